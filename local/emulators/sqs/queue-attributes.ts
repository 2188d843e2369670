import { QueueAttributeName } from '@aws-sdk/client-sqs';
import { notEmulatedMessage } from '../common/smithy';
import { sqsError } from './errors';
import type { LocalQueue } from './queue';

/**
 * Queue attributes as CreateQueue and GetQueueAttributes define them (SQS API reference,
 * API_CreateQueue.html / API_GetQueueAttributes.html): the ones the emulator honours with their
 * documented ranges and defaults; FIFO, encryption and access-policy attributes are not emulated.
 */
const RANGES = {
  VisibilityTimeout: [0, 43_200, 30],
  DelaySeconds: [0, 900, 0],
  ReceiveMessageWaitTimeSeconds: [0, 20, 0],
  MaximumMessageSize: [1024, 1_048_576, 1_048_576],
  MessageRetentionPeriod: [60, 1_209_600, 345_600],
} as const;
type Numeric = keyof typeof RANGES;

export type QueueSettings = Partial<Record<Numeric, number>> & { RedrivePolicy?: string };

const isNumeric = (name: string): name is Numeric => Object.hasOwn(RANGES, name);
const KNOWN = new Set<string>(Object.values(QueueAttributeName));
/** Settable attributes whose behaviour (FIFO, encryption, access policy) the emulator does not have. */
const NOT_EMULATED = new Set([
  'Policy',
  'KmsMasterKeyId',
  'KmsDataKeyReusePeriodSeconds',
  'SqsManagedSseEnabled',
  'FifoQueue',
  'ContentBasedDeduplication',
  'DeduplicationScope',
  'FifoThroughputLimit',
  'RedriveAllowPolicy',
]);

/** Parses CreateQueue's Attributes map; `deadLetter` resolves a dead-letter queue ARN. */
export function parseQueueAttributes(
  raw: unknown,
  deadLetter: (arn: string) => LocalQueue | undefined,
): QueueSettings {
  const out: QueueSettings = {};
  for (const [name, value] of Object.entries((raw ?? {}) as Record<string, unknown>)) {
    const text = String(value);
    if (isNumeric(name)) {
      const [min, max] = RANGES[name];
      const n = Number(text);
      if (!/^\d+$/.test(text) || n < min || n > max) {
        throw sqsError.attributeValue(name, `Must be an integer from ${min} to ${max}.`);
      }
      out[name] = n;
    } else if (name === 'RedrivePolicy') {
      checkRedrivePolicy(text, deadLetter);
      out.RedrivePolicy = text;
    } else if (NOT_EMULATED.has(name)) {
      throw sqsError.unsupported(notEmulatedMessage(`Queue attribute ${name}`));
    } else throw sqsError.attributeName(name);
  }
  return out;
}

function checkRedrivePolicy(text: string, deadLetter: (arn: string) => LocalQueue | undefined): void {
  let policy: { deadLetterTargetArn?: unknown; maxReceiveCount?: unknown };
  try {
    policy = JSON.parse(text) as typeof policy;
  } catch {
    throw sqsError.attributeValue('RedrivePolicy', 'Redrive policy is not a valid JSON map.');
  }
  const count = Number(policy.maxReceiveCount);
  if (!Number.isInteger(count) || count < 1 || count > 1000) {
    throw sqsError.attributeValue('RedrivePolicy', 'maxReceiveCount must be an integer from 1 to 1000.');
  }
  if (typeof policy.deadLetterTargetArn !== 'string' || !deadLetter(policy.deadLetterTargetArn)) {
    throw sqsError.attributeValue('RedrivePolicy', 'Dead letter target does not exist.');
  }
}

/** Applies parsed settings to a queue (defaults for what is unset). */
export function applyQueueSettings(
  queue: LocalQueue,
  s: QueueSettings,
  deadLetter: (arn: string) => LocalQueue | undefined,
): void {
  const value = (name: Numeric) => s[name] ?? RANGES[name][2];
  queue.visibilityTimeoutSeconds = value('VisibilityTimeout');
  queue.delaySeconds = value('DelaySeconds');
  queue.receiveMessageWaitTimeSeconds = value('ReceiveMessageWaitTimeSeconds');
  queue.maximumMessageSize = value('MaximumMessageSize');
  queue.messageRetentionPeriod = value('MessageRetentionPeriod');
  if (s.RedrivePolicy !== undefined) {
    const policy = JSON.parse(s.RedrivePolicy) as { deadLetterTargetArn: string; maxReceiveCount: number };
    const dlq = deadLetter(policy.deadLetterTargetArn);
    if (dlq) queue.redrive = { deadLetter: dlq, maxReceiveCount: Number(policy.maxReceiveCount) };
  }
}

/**
 * CreateQueue on an existing name: AWS answers the URL only when every attribute matches (an omitted
 * attribute stands for its default). Returns the first attribute that differs.
 */
export function differingAttribute(queue: LocalQueue, s: QueueSettings): string | undefined {
  const current = queueAttributes(queue);
  for (const name of Object.keys(RANGES) as Numeric[]) {
    if (String(s[name] ?? RANGES[name][2]) !== current[name]) return name;
  }
  if (s.RedrivePolicy !== undefined && redriveOf(queue) !== redriveKey(s.RedrivePolicy))
    return 'RedrivePolicy';
  return undefined;
}

const redriveKey = (text: string) => {
  const p = JSON.parse(text) as { deadLetterTargetArn: string; maxReceiveCount: number };
  return `${p.deadLetterTargetArn}|${Number(p.maxReceiveCount)}`;
};
const redriveOf = (q: LocalQueue) =>
  q.redrive ? `${q.redrive.deadLetter.arn}|${q.redrive.maxReceiveCount}` : undefined;

/** Every attribute the emulated queue has, as GetQueueAttributes returns them (strings). */
function queueAttributes(q: LocalQueue): Record<string, string> {
  const depth = q.depth();
  const visible = q.visibleCount();
  const delayed = q.delayedCount();
  return {
    QueueArn: q.arn,
    ApproximateNumberOfMessages: String(visible),
    ApproximateNumberOfMessagesNotVisible: String(depth - visible - delayed),
    ApproximateNumberOfMessagesDelayed: String(delayed),
    CreatedTimestamp: String(Math.floor(q.createdAt / 1000)),
    LastModifiedTimestamp: String(Math.floor(q.lastModifiedAt / 1000)),
    VisibilityTimeout: String(q.visibilityTimeoutSeconds),
    DelaySeconds: String(q.delaySeconds),
    ReceiveMessageWaitTimeSeconds: String(q.receiveMessageWaitTimeSeconds),
    MaximumMessageSize: String(q.maximumMessageSize),
    MessageRetentionPeriod: String(q.messageRetentionPeriod),
    ...(q.redrive
      ? {
          RedrivePolicy: JSON.stringify({
            deadLetterTargetArn: q.redrive.deadLetter.arn,
            maxReceiveCount: q.redrive.maxReceiveCount,
          }),
        }
      : {}),
  };
}

/** GetQueueAttributes' AttributeNames: only what was asked for (`All` for everything); none by default. */
export function selectQueueAttributes(q: LocalQueue, names: readonly string[]): Record<string, string> {
  for (const n of names) if (!KNOWN.has(n)) throw sqsError.attributeName(n);
  const all = queueAttributes(q);
  if (names.includes('All')) return all;
  return Object.fromEntries(Object.entries(all).filter(([k]) => names.includes(k)));
}
