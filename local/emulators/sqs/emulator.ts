import { createHash } from 'node:crypto';
import type { Clock } from '../../../shared/clock';
import { AccessControl } from '../common/access-control';
import {
  AwsError,
  type CallContext,
  type Handler,
  type JsonObject,
  jsonRpcHandler,
} from '../common/json-rpc';
import type { FaultInjector, RateLimiter } from '../common/limits';
import type { Caller } from '../common/policy';
import { LocalQueue } from './queue';
import { sendMessageBatch } from './send-batch';

export interface SqsEmulatorOptions {
  clock: Clock;
  limiter: RateLimiter;
  faults: FaultInjector;
  /** Base URL the emulator is reachable at, for queue URLs. */
  baseUrl: () => string;
  region?: string;
  accountId?: string;
}

export interface SqsEmulator {
  handler: Handler;
  createQueue(name: string, visibilityTimeoutSeconds?: number): LocalQueue;
  queue(nameOrUrlOrArn: string): LocalQueue | undefined;
  queues(): LocalQueue[];
  /**
   * A delivery by AWS itself (an IoT rule action with its role, a rule target as events.amazonaws.com),
   * held to the queue's policy like a SendMessage call: false when the queue is missing or refuses.
   */
  sendAs(caller: Caller, nameOrUrlOrArn: string, body: string): boolean;
  /** Queue policies and principals to enforce on SendMessage* (none until set). */
  useAccessControl(access: AccessControl): void;
}

const nonExistent = (q: unknown) =>
  new AwsError(
    'QueueDoesNotExist',
    `The specified queue ${String(q)} does not exist.`,
    400,
    'AWS.SimpleQueueService.NonExistentQueue',
  );
const receiptInvalid = () =>
  new AwsError('ReceiptHandleIsInvalid', 'The input receipt handle is invalid.', 400);

/**
 * Amazon SQS, standard queues, over the awsJson1_0 protocol the SDK speaks (`AmazonSQS.<Op>`):
 * just what the functions and the local stack's event source mappings use.
 */
export function createSqsEmulator(options: SqsEmulatorOptions): SqsEmulator {
  const region = options.region ?? 'us-east-1';
  const accountId = options.accountId ?? '000000000000';
  const byName = new Map<string, LocalQueue>();
  const find = (ref: unknown): LocalQueue => {
    const text = String(ref ?? '');
    const name = text.split(/[/:]/).pop() ?? '';
    const queue = byName.get(name);
    if (!queue) throw nonExistent(text);
    return queue;
  };
  let access = AccessControl.open(accountId);
  /** sqs:SendMessage authorizes SendMessage and SendMessageBatch alike. */
  const refuseSend = (caller: Caller, queue: LocalQueue) =>
    access.authorize({ caller, action: 'sqs:SendMessage', resource: queue.arn });
  const authorizeSend = (call: CallContext, queue: LocalQueue): void => {
    const denial = refuseSend(access.callerOf(call.headers, call.url), queue);
    if (denial) throw new AwsError('AccessDeniedException', denial.message, 403, 'AccessDenied');
  };
  const createQueue = (name: string, visibility = 30): LocalQueue => {
    const existing = byName.get(name);
    if (existing) return existing;
    const queue = new LocalQueue(
      name,
      `${options.baseUrl()}/${accountId}/${name}`,
      `arn:aws:sqs:${region}:${accountId}:${name}`,
      options.clock,
      visibility,
    );
    byName.set(name, queue);
    return queue;
  };
  const toWire = (m: {
    messageId: string;
    receiptHandle: string;
    body: string;
    receiveCount: number;
    sentAt: number;
  }) => ({
    MessageId: m.messageId,
    ReceiptHandle: m.receiptHandle,
    Body: m.body,
    MD5OfBody: md5(m.body),
    Attributes: { ApproximateReceiveCount: String(m.receiveCount), SentTimestamp: String(m.sentAt) },
  });
  const operations: Record<string, (input: JsonObject, call: CallContext) => JsonObject> = {
    CreateQueue: (i) => ({ QueueUrl: createQueue(String(i.QueueName)).url }),
    GetQueueUrl: (i) => ({ QueueUrl: find(i.QueueName).url }),
    ListQueues: () => ({ QueueUrls: [...byName.values()].map((q) => q.url) }),
    SendMessage: (i, call) => {
      const queue = find(i.QueueUrl);
      authorizeSend(call, queue);
      const m = queue.send(String(i.MessageBody ?? ''), Number(i.DelaySeconds ?? 0));
      return { MessageId: m.messageId, MD5OfMessageBody: md5(m.body) };
    },
    SendMessageBatch: (i, call) => {
      const queue = find(i.QueueUrl);
      authorizeSend(call, queue);
      return sendMessageBatch(queue, i.Entries);
    },
    ReceiveMessage: (i) => {
      const queue = find(i.QueueUrl);
      const max = Math.min(10, Number(i.MaxNumberOfMessages ?? 1));
      const visibility = i.VisibilityTimeout === undefined ? undefined : Number(i.VisibilityTimeout);
      return { Messages: queue.receive(max, visibility).map(toWire) };
    },
    DeleteMessage: (i) => {
      if (!find(i.QueueUrl).delete(String(i.ReceiptHandle))) throw receiptInvalid();
      return {};
    },
    ChangeMessageVisibility: (i) => {
      const seconds = Number(i.VisibilityTimeout);
      if (!Number.isInteger(seconds) || seconds < 0 || seconds > 43_200) {
        throw new AwsError('InvalidParameterValue', 'VisibilityTimeout must be 0..43200 seconds', 400);
      }
      if (!find(i.QueueUrl).changeVisibility(String(i.ReceiptHandle), seconds)) throw receiptInvalid();
      return {};
    },
    GetQueueAttributes: (i) => {
      const q = find(i.QueueUrl);
      return {
        Attributes: {
          QueueArn: q.arn,
          ApproximateNumberOfMessages: String(q.visibleCount()),
          ApproximateNumberOfMessagesNotVisible: String(q.depth() - q.visibleCount()),
          VisibilityTimeout: String(q.visibilityTimeoutSeconds),
        },
      };
    },
  };
  const handler = jsonRpcHandler({
    targetPrefix: 'AmazonSQS',
    jsonVersion: '1.0',
    operations,
    limiter: options.limiter,
    faults: options.faults,
    queryCompatible: true,
    throttleError: () => new AwsError('ThrottlingException', 'Rate exceeded', 400, 'ThrottlingException'),
    serverError: () => new AwsError('InternalFailure', 'We encountered an internal error.', 500),
  });
  return {
    handler,
    createQueue,
    queue: (ref) => byName.get(ref.split(/[/:]/).pop() ?? ''),
    queues: () => [...byName.values()],
    sendAs(caller, ref, body) {
      const queue = byName.get(ref.split(/[/:]/).pop() ?? '');
      if (!queue || refuseSend(caller, queue)) return false;
      queue.send(body);
      return true;
    },
    useAccessControl(next) {
      access = next;
    },
  };
}

/** The SDK checks these digests on send and receive. */
const md5 = (text: string) => createHash('md5').update(text, 'utf8').digest('hex');
