import type { SQSEvent, SQSRecord } from 'aws-lambda';
import type { LocalQueue, SqsMessage } from '../emulators/sqs/queue';
import type { FunctionHost } from './function-host';

export type PollerStats = { batches: number; recordsFailed: number; invocationErrors: number };

/**
 * Lambda's SQS event source mapping: receives batches, invokes the function, deletes what
 * succeeded. With ReportBatchItemFailures only the listed records return to the queue; when the
 * invocation itself fails, the whole batch does (after the visibility timeout), as in AWS.
 * With a batching window (MaximumBatchingWindowInSeconds) it gathers records for up to that long
 * before invoking, unless a full batch is there sooner; the window opens when the first visible
 * record is seen. The 6 MB payload limit, which also ends a window, is not modelled.
 */
export class SqsPoller {
  active = 0;
  readonly stats: PollerStats = { batches: 0, recordsFailed: 0, invocationErrors: 0 };
  /** When the batch being gathered opened its window; undefined while nothing is waiting. */
  #gathering: number | undefined;

  constructor(
    readonly queue: LocalQueue,
    readonly functionName: string,
    private readonly host: FunctionHost,
    private readonly options: {
      batchSize: number;
      /** 0: invoke as soon as a record is visible. */
      batchingWindowMs: number;
      maxConcurrency: number;
      reportBatchItemFailures: boolean;
      region: string;
    },
    private readonly track: (work: Promise<unknown>) => void,
    private readonly now: () => number,
  ) {}

  /** Whether a batch could start now: a free slot, and a full batch or a window that has run out. */
  canStart(): boolean {
    // The window opens when a record is seen, whether or not a slot is free.
    return this.#ready() && this.active < this.options.maxConcurrency;
  }

  /** When the window being waited for runs out (the stack wakes the poller then); else undefined. */
  windowEnd(): number | undefined {
    return this.#gathering === undefined ? undefined : this.#gathering + this.options.batchingWindowMs;
  }

  /** Starts as many batches as concurrency allows; true when any started. */
  poll(): boolean {
    let started = false;
    while (this.#ready() && this.active < this.options.maxConcurrency) {
      const messages = this.queue.receive(this.options.batchSize);
      if (messages.length === 0) break;
      this.#gathering = undefined;
      started = true;
      this.active += 1;
      this.track(this.#run(messages).finally(() => (this.active -= 1)));
    }
    return started;
  }

  #ready(): boolean {
    const visible = this.queue.visibleCount();
    if (visible === 0) {
      this.#gathering = undefined;
      return false;
    }
    if (this.options.batchingWindowMs === 0 || visible >= this.options.batchSize) return true;
    const now = this.now();
    this.#gathering ??= now;
    return now >= this.#gathering + this.options.batchingWindowMs;
  }

  async #run(messages: SqsMessage[]): Promise<void> {
    this.stats.batches += 1;
    const event: SQSEvent = { Records: messages.map((m) => this.#record(m)) };
    const outcome = await this.host.invoke(this.functionName, event);
    if (!outcome.ok) {
      this.stats.invocationErrors += 1;
      return;
    }
    const failed = new Set<string>();
    if (this.options.reportBatchItemFailures) {
      const list =
        (outcome.result as { batchItemFailures?: { itemIdentifier?: string }[] } | undefined)
          ?.batchItemFailures ?? [];
      for (const f of list) if (f.itemIdentifier) failed.add(f.itemIdentifier);
    }
    this.stats.recordsFailed += failed.size;
    for (const m of messages) if (!failed.has(m.messageId)) this.queue.delete(m.receiptHandle);
  }

  #record(m: SqsMessage): SQSRecord {
    return {
      messageId: m.messageId,
      receiptHandle: m.receiptHandle,
      body: m.body,
      attributes: {
        ApproximateReceiveCount: String(m.receiveCount),
        SentTimestamp: String(m.sentAt),
        SenderId: 'LOCAL',
        ApproximateFirstReceiveTimestamp: String(m.firstReceiveAt ?? m.sentAt),
      },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: this.queue.arn,
      awsRegion: this.options.region,
    };
  }
}
