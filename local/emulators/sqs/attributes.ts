import { createHash } from 'node:crypto';
import type { JsonObject } from '../common/json-rpc';
import { sqsError } from './errors';
import type { MessageAttributeValue, SqsMessage } from './queue';

/**
 * Message attributes and message system attributes as the SQS API reference defines them
 * (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ReceiveMessage.html,
 * API_SendMessage.html, API_MessageAttributeValue.html).
 */

export const SYSTEM_ATTRIBUTES = [
  'SenderId',
  'SentTimestamp',
  'ApproximateReceiveCount',
  'ApproximateFirstReceiveTimestamp',
  'SequenceNumber',
  'MessageDeduplicationId',
  'MessageGroupId',
  'AWSTraceHeader',
  'DeadLetterQueueSourceArn',
] as const;

const ATTRIBUTE_NAME = /^(?!\.)(?!.*\.\.)(?!.*\.$)[A-Za-z0-9_.-]{1,256}$/;
const RESERVED_PREFIX = /^(aws\.|amazon\.)/i;
const DATA_TYPE = /^(String|Number|Binary)(\..+)?$/;

/** Checks SendMessage's MessageAttributes (at most 10; names, data types and values as documented). */
export function checkMessageAttributes(raw: unknown): Record<string, MessageAttributeValue> {
  if (raw === undefined || raw === null) return {};
  const entries = Object.entries(raw as Record<string, Partial<MessageAttributeValue>>);
  if (entries.length > 10) {
    throw sqsError.invalidParameter(
      `Number of message attributes [${entries.length}] exceeds the allowed maximum [10].`,
    );
  }
  const out: Record<string, MessageAttributeValue> = {};
  for (const [name, value] of entries) {
    if (!ATTRIBUTE_NAME.test(name) || RESERVED_PREFIX.test(name)) {
      throw sqsError.invalidParameter(`Message attribute name '${name}' is invalid.`);
    }
    const type = value?.DataType;
    if (typeof type !== 'string' || !DATA_TYPE.test(type) || type.length > 256) {
      throw sqsError.invalidParameter(
        `The message attribute '${name}' has an invalid message attribute type.`,
      );
    }
    const binary = type.startsWith('Binary');
    const v = binary ? value.BinaryValue : value.StringValue;
    if (typeof v !== 'string' || v.length === 0) {
      throw sqsError.invalidParameter(
        `The message attribute '${name}' must contain a non-empty value of message attribute type '${type}'.`,
      );
    }
    if (type.startsWith('Number') && !Number.isFinite(Number(v))) {
      throw sqsError.invalidParameter(
        `Can't cast the value of message (user) attribute '${name}' to a number.`,
      );
    }
    out[name] = binary ? { DataType: type, BinaryValue: v } : { DataType: type, StringValue: v };
  }
  return out;
}

/** Size of a message as SQS counts it against MaximumMessageSize: body plus attribute names, types and values. */
export function messageSize(body: string, attributes: Record<string, MessageAttributeValue>): number {
  let size = Buffer.byteLength(body, 'utf8');
  for (const [name, a] of Object.entries(attributes)) {
    size += Buffer.byteLength(name) + Buffer.byteLength(a.DataType);
    size +=
      a.BinaryValue !== undefined
        ? Buffer.from(a.BinaryValue, 'base64').length
        : Buffer.byteLength(a.StringValue ?? '');
  }
  return size;
}

/**
 * MD5OfMessageAttributes, as "Calculating the MD5 message digest for message attributes" (SQS
 * Developer Guide) defines it: attributes sorted by name, each as length-prefixed name and data type,
 * a transport byte (1 string, 2 binary) and the length-prefixed value.
 */
export function md5OfAttributes(attributes: Record<string, MessageAttributeValue>): string | undefined {
  const names = Object.keys(attributes).sort();
  if (names.length === 0) return undefined;
  const hash = createHash('md5');
  const field = (bytes: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    hash.update(length).update(bytes);
  };
  for (const name of names) {
    const a = attributes[name] as MessageAttributeValue;
    field(Buffer.from(name, 'utf8'));
    field(Buffer.from(a.DataType, 'utf8'));
    const binary = a.BinaryValue !== undefined;
    hash.update(Buffer.from([binary ? 2 : 1]));
    field(binary ? Buffer.from(a.BinaryValue ?? '', 'base64') : Buffer.from(a.StringValue ?? '', 'utf8'));
  }
  return hash.digest('hex');
}

/** The message attributes a receiver asked for: names, `All`, `.*` or prefixes such as `bar.*`. */
export function selectMessageAttributes(
  attributes: Record<string, MessageAttributeValue>,
  requested: readonly string[],
): Record<string, MessageAttributeValue> {
  const wanted = (name: string) =>
    requested.some((r) =>
      r === 'All' || r === '.*' ? true : r.endsWith('.*') ? name.startsWith(r.slice(0, -1)) : r === name,
    );
  return Object.fromEntries(Object.entries(attributes).filter(([name]) => wanted(name)));
}

/** Every system attribute the message has, as strings. */
function systemAttributes(m: SqsMessage): Record<string, string> {
  return {
    ...m.system,
    SentTimestamp: String(m.sentAt),
    ApproximateReceiveCount: String(m.receiveCount),
    ...(m.firstReceiveAt === undefined ? {} : { ApproximateFirstReceiveTimestamp: String(m.firstReceiveAt) }),
  };
}

/** The system attributes a receiver asked for (AttributeNames and MessageSystemAttributeNames together). */
export function selectSystemAttributes(m: SqsMessage, requested: readonly string[]): Record<string, string> {
  const all = systemAttributes(m);
  if (requested.includes('All')) return all;
  return Object.fromEntries(Object.entries(all).filter(([name]) => requested.includes(name)));
}

/** A list of names from the input, or none; any entry that is not a string is a bad parameter. */
export function nameList(input: JsonObject, key: string): string[] {
  const raw = input[key];
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw) || raw.some((n) => typeof n !== 'string')) {
    throw sqsError.invalidParameter(`${key} must be a list of names.`);
  }
  return raw as string[];
}
