import type { Clock } from '../../../shared/clock';
import { MinHeap } from '../../runtime/min-heap';
import { randomUUID } from '../common/ids';

/** A message attribute as SendMessage takes it (String, Number or Binary, with an optional custom suffix). */
export type MessageAttributeValue = { DataType: string; StringValue?: string; BinaryValue?: string };

/** What a producer sets besides the body. */
export type SendOptions = {
  delaySeconds?: number;
  attributes?: Record<string, MessageAttributeValue>;
  /** System attributes: SenderId, AWSTraceHeader, DeadLetterQueueSourceArn. */
  system?: Record<string, string>;
};

export type SqsMessage = {
  messageId: string;
  body: string;
  attributes: Record<string, MessageAttributeValue>;
  system: Record<string, string>;
  receiptHandle: string;
  receiveCount: number;
  sentAt: number;
  firstReceiveAt: number | undefined;
  visibleAt: number;
  state: 'delayed' | 'ready' | 'in-flight' | 'deleted';
};

export type Redrive = { deadLetter: LocalQueue; maxReceiveCount: number };

/**
 * A standard SQS queue on the stack's clock: visibility timeouts, receive counts, and redrive to
 * a dead-letter queue once a message has been received maxReceiveCount times without deletion.
 */
export class LocalQueue {
  readonly #ready: SqsMessage[] = [];
  #readyHead = 0;
  /** Delayed and in-flight messages by the time they become visible; stale entries are skipped. */
  readonly #timetable = new MinHeap<{ message: SqsMessage; at: number }>();
  readonly #inFlight = new Map<string, SqsMessage>();
  #delayed = 0;
  redrive: Redrive | undefined;
  /** Queue attributes as CreateQueue sets them (AWS's defaults otherwise). */
  delaySeconds = 0;
  receiveMessageWaitTimeSeconds = 0;
  maximumMessageSize = 1_048_576;
  messageRetentionPeriod = 345_600;
  readonly createdAt: number;
  lastModifiedAt: number;
  sent = 0;
  deleted = 0;
  movedToDeadLetter = 0;

  constructor(
    readonly name: string,
    readonly url: string,
    readonly arn: string,
    private readonly clock: Clock,
    public visibilityTimeoutSeconds = 30,
  ) {
    this.createdAt = clock.now();
    this.lastModifiedAt = this.createdAt;
  }

  send(body: string, options: SendOptions = {}): SqsMessage {
    const now = this.clock.now();
    const delaySeconds = options.delaySeconds ?? this.delaySeconds;
    const message: SqsMessage = {
      messageId: randomUUID(),
      body,
      attributes: options.attributes ?? {},
      system: options.system ?? {},
      receiptHandle: '',
      receiveCount: 0,
      sentAt: now,
      firstReceiveAt: undefined,
      visibleAt: now + delaySeconds * 1000,
      state: delaySeconds > 0 ? 'delayed' : 'ready',
    };
    this.sent += 1;
    if (message.state === 'delayed') {
      this.#delayed += 1;
      this.#timetable.push(message.visibleAt, { message, at: message.visibleAt });
    } else this.#ready.push(message);
    return message;
  }

  /** Up to `max` visible messages; each becomes invisible for the visibility timeout. */
  receive(max: number, visibilitySeconds = this.visibilityTimeoutSeconds): SqsMessage[] {
    const now = this.clock.now();
    this.#promoteDue(now);
    const out: SqsMessage[] = [];
    while (out.length < max && this.#readyHead < this.#ready.length) {
      const message = this.#ready[this.#readyHead++] as SqsMessage;
      // MessageRetentionPeriod: a message older than the queue keeps messages is gone.
      if (message.sentAt + this.messageRetentionPeriod * 1000 <= now) {
        message.state = 'deleted';
        continue;
      }
      if (this.redrive && message.receiveCount >= this.redrive.maxReceiveCount) {
        message.state = 'deleted';
        this.movedToDeadLetter += 1;
        this.redrive.deadLetter.send(message.body, {
          delaySeconds: 0,
          attributes: message.attributes,
          system: { ...message.system, DeadLetterQueueSourceArn: this.arn },
        });
        continue;
      }
      message.receiveCount += 1;
      message.firstReceiveAt ??= now;
      message.receiptHandle = `${message.messageId}:${message.receiveCount}:${randomUUID()}`;
      message.state = 'in-flight';
      message.visibleAt = now + visibilitySeconds * 1000;
      this.#inFlight.set(message.receiptHandle, message);
      this.#timetable.push(message.visibleAt, { message, at: message.visibleAt });
      out.push(message);
    }
    this.#compact();
    return out;
  }

  /** True when the handle is the current one of a message in flight (AWS: the most recent receipt). */
  isInFlight(receiptHandle: string): boolean {
    return this.#inFlight.has(receiptHandle);
  }

  delete(receiptHandle: string): boolean {
    const message = this.#inFlight.get(receiptHandle);
    if (!message) return false;
    this.#inFlight.delete(receiptHandle);
    message.state = 'deleted';
    this.deleted += 1;
    return true;
  }

  changeVisibility(receiptHandle: string, seconds: number): boolean {
    const message = this.#inFlight.get(receiptHandle);
    if (!message) return false;
    message.visibleAt = this.clock.now() + seconds * 1000;
    this.#timetable.push(message.visibleAt, { message, at: message.visibleAt });
    return true;
  }

  /** Messages visible now. */
  visibleCount(): number {
    this.#promoteDue(this.clock.now());
    return this.#ready.length - this.#readyHead;
  }

  /** Messages delayed (DelaySeconds) and not yet visible. */
  delayedCount(): number {
    this.#promoteDue(this.clock.now());
    return this.#delayed;
  }

  /** Messages in the queue in any state (AWS's visible + not visible + delayed). */
  depth(): number {
    return this.#ready.length - this.#readyHead + this.#inFlight.size + this.#delayed;
  }

  /** When the next invisible message becomes visible. */
  nextVisibleAt(): number | undefined {
    this.#dropStale();
    return this.#timetable.peekKey();
  }

  /** Every message still held, for reports and leak scans. */
  bodies(): string[] {
    return [...this.#ready.slice(this.#readyHead), ...this.#inFlight.values()].map((m) => m.body);
  }

  #promoteDue(now: number): void {
    for (;;) {
      const key = this.#timetable.peekKey();
      if (key === undefined || key > now) return;
      // Check each entry popped: with equal keys the heap may surface a stale one after a live one.
      const { message, at } = this.#timetable.pop() as { message: SqsMessage; at: number };
      if (!((message.state === 'in-flight' || message.state === 'delayed') && message.visibleAt === at))
        continue;
      if (message.state === 'in-flight') this.#inFlight.delete(message.receiptHandle);
      else this.#delayed -= 1;
      message.receiptHandle = '';
      message.state = 'ready';
      this.#ready.push(message);
    }
  }

  /** An entry is stale when its message was deleted, made visible, or given a new time since. */
  #dropStale(): void {
    for (;;) {
      const key = this.#timetable.peekKey();
      if (key === undefined) return;
      const top = this.#timetable.pop() as { message: SqsMessage; at: number };
      const live =
        (top.message.state === 'in-flight' || top.message.state === 'delayed') &&
        top.message.visibleAt === top.at;
      if (live) {
        this.#timetable.push(key, top);
        return;
      }
    }
  }

  #compact(): void {
    if (this.#readyHead > 1024 && this.#readyHead * 2 > this.#ready.length) {
      this.#ready.splice(0, this.#readyHead);
      this.#readyHead = 0;
    }
  }
}
