import * as SnsSdk from '@aws-sdk/client-sns';
import type { Clock } from '../../../shared/clock';
import { modelledError } from '../common/errors';
import { randomUUID } from '../common/ids';
import { awsRpcHandler, type Handler, type JsonObject, type Operation } from '../common/json-rpc';
import type { FaultInjector, RateLimiter } from '../common/limits';
import { notEmulatedMessage, serviceModel } from '../common/smithy';

type SnsMessageAttribute = { DataType: string; StringValue?: string; BinaryValue?: string };

type SnsMessage = {
  messageId: string;
  topicArn: string;
  subject?: string;
  message: string;
  attributes: Record<string, SnsMessageAttribute>;
  at: number;
};

export interface SnsEmulator {
  handler: Handler;
  /** Every message published, in order: the local "inbox" of operators and on-call. */
  messages: SnsMessage[];
  /** Creates a topic (as a deployment does) from its name or full ARN; returns the ARN. */
  createTopic(nameOrArn: string, attributes?: Record<string, string>): string;
}

const model = serviceModel(SnsSdk);
const snsError = (name: string, message: string) => modelledError(SnsSdk, name, message);
const invalid = (what: string) => snsError('InvalidParameterException', `Invalid parameter: ${what}`);

/**
 * Input members each operation honours. Nobody subscribes locally (the report and the CLI read what
 * was published, message attributes included), so delivery options, mobile and SMS targets, FIFO and
 * message structures are not emulated.
 */
const HONOURED = {
  CreateTopic: ['Name', 'Attributes'],
  DeleteTopic: ['TopicArn'],
  GetTopicAttributes: ['TopicArn'],
  ListTopics: ['NextToken'],
  Publish: ['TopicArn', 'Message', 'Subject', 'MessageAttributes'],
} as const;
const TOPIC_ATTRIBUTES = ['DisplayName'];
const TOPIC_NAME = /^[A-Za-z0-9_-]{1,256}$/;
const TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/;
const MAX_MESSAGE_BYTES = 262_144;
const PAGE = 100;

/**
 * Amazon SNS over the awsQuery protocol, the only one AWS serves for it (form-encoded POST, XML
 * answers), for SDKs and the AWS CLI alike. Topics must exist: Publish to an unknown topic is
 * NotFound (HTTP 404), as in AWS (https://docs.aws.amazon.com/sns/latest/api/API_Publish.html).
 */
export function createSnsEmulator(opts: {
  clock: Clock;
  limiter: RateLimiter;
  faults: FaultInjector;
  region?: string;
  accountId?: string;
}): SnsEmulator {
  const region = opts.region ?? 'us-east-1';
  const accountId = opts.accountId ?? '000000000000';
  const messages: SnsMessage[] = [];
  const topics = new Map<string, Record<string, string>>();

  const createTopic = (nameOrArn: string, attributes: Record<string, string> = {}): string => {
    const arn = nameOrArn.startsWith('arn:') ? nameOrArn : `arn:aws:sns:${region}:${accountId}:${nameOrArn}`;
    if (!topics.has(arn)) topics.set(arn, { ...attributes });
    return arn;
  };
  const requireTopic = (raw: unknown): [string, Record<string, string>] => {
    if (typeof raw !== 'string' || !TOPIC_ARN.test(raw)) throw invalid('TopicArn');
    const topic = topics.get(raw);
    if (!topic) throw snsError('NotFoundException', 'Topic does not exist');
    return [raw, topic];
  };

  const operations: Record<keyof typeof HONOURED, Operation> = {
    CreateTopic: (i) => {
      const name = String(i.Name ?? '');
      if (name.endsWith('.fifo')) throw invalid(notEmulatedMessage('A FIFO topic'));
      if (!TOPIC_NAME.test(name)) throw invalid('Topic Name');
      const attributes = (i.Attributes ?? {}) as Record<string, string>;
      const other = Object.keys(attributes).find((k) => !TOPIC_ATTRIBUTES.includes(k));
      if (other !== undefined) throw invalid(notEmulatedMessage(`Topic attribute ${other}`));
      const arn = `arn:aws:sns:${region}:${accountId}:${name}`;
      const existing = topics.get(arn);
      // CreateTopic is idempotent for the same name; different attributes are refused.
      if (existing && Object.entries(attributes).some(([k, v]) => existing[k] !== v)) {
        throw invalid('Attributes Reason: Topic already exists with different attributes');
      }
      return { TopicArn: createTopic(arn, attributes) };
    },
    DeleteTopic: (i) => {
      // "Deleting a topic that does not exist does not result in an error." (API_DeleteTopic)
      if (typeof i.TopicArn !== 'string' || !TOPIC_ARN.test(i.TopicArn)) throw invalid('TopicArn');
      topics.delete(i.TopicArn);
      return {};
    },
    GetTopicAttributes: (i) => {
      const [arn, attributes] = requireTopic(i.TopicArn);
      return {
        Attributes: {
          ...attributes,
          TopicArn: arn,
          Owner: arn.split(':')[4] ?? accountId,
          SubscriptionsConfirmed: '0',
          SubscriptionsPending: '0',
          SubscriptionsDeleted: '0',
        },
      };
    },
    ListTopics: (i) => {
      const all = [...topics.keys()].sort();
      const from = i.NextToken === undefined ? 0 : Number(Buffer.from(String(i.NextToken), 'base64url'));
      if (!Number.isInteger(from) || from < 0) throw invalid('NextToken');
      const next =
        from + PAGE < all.length ? Buffer.from(String(from + PAGE)).toString('base64url') : undefined;
      return { Topics: all.slice(from, from + PAGE).map((TopicArn) => ({ TopicArn })), NextToken: next };
    },
    Publish: (i) => publish(i),
  };

  const publish = (i: JsonObject): JsonObject => {
    const [topicArn] = requireTopic(i.TopicArn);
    if (i.Message === undefined || i.Message === null)
      throw snsError('ValidationException', 'Message is required');
    const message = String(i.Message);
    if (message.length === 0) throw invalid('Empty message');
    if (Buffer.byteLength(message) > MAX_MESSAGE_BYTES) throw invalid('Message too long');
    const subject = i.Subject === undefined ? undefined : String(i.Subject);
    // Subject: ASCII, starting with a letter, number or punctuation, no line breaks, at most 100 characters.
    if (subject !== undefined && !/^[\x21-\x7e][\x20-\x7e]{0,99}$/.test(subject)) throw invalid('Subject');
    const attributes = checkAttributes(i.MessageAttributes);
    const messageId = randomUUID();
    messages.push({ messageId, topicArn, subject, message, attributes, at: opts.clock.now() });
    return { MessageId: messageId };
  };

  const handler = awsRpcHandler({
    query: { xmlNamespace: 'http://sns.amazonaws.com/doc/2010-03-31/' },
    model,
    operations,
    members: HONOURED,
    notEmulated: (message) => invalid(message),
    limiter: opts.limiter,
    faults: opts.faults,
    throttleError: () => snsError('ThrottledException', 'Rate exceeded'),
    serverError: () => snsError('InternalErrorException', 'Internal error'),
  });
  return { handler, messages, createTopic };
}

const ATTRIBUTE_NAME = /^(?!\.)(?!.*\.\.)(?!.*\.$)[A-Za-z0-9_.-]{1,256}$/;
const badAttribute = (message: string) => snsError('InvalidParameterValueException', message);

/** MessageAttributes as the SNS message attributes page documents them: at most 10, typed, non-empty. */
function checkAttributes(raw: unknown): Record<string, SnsMessageAttribute> {
  const entries = Object.entries((raw ?? {}) as Record<string, Partial<SnsMessageAttribute>>);
  if (entries.length > 10)
    throw badAttribute('Number of message attributes exceeds the allowed maximum [10].');
  const out: Record<string, SnsMessageAttribute> = {};
  for (const [name, value] of entries) {
    if (!ATTRIBUTE_NAME.test(name) || /^(aws\.|amazon\.)/i.test(name)) {
      throw badAttribute(`The message attribute name '${name}' is invalid.`);
    }
    const type = value?.DataType;
    if (typeof type !== 'string' || !/^(String|String\.Array|Number|Binary)(\..+)?$/.test(type)) {
      throw badAttribute(`The message attribute '${name}' has an invalid message attribute type.`);
    }
    const v = type.startsWith('Binary') ? value.BinaryValue : value.StringValue;
    if (v === undefined || v === null || String(v).length === 0) {
      throw badAttribute(`The message attribute '${name}' must contain non-empty message attribute value.`);
    }
    out[name] = type.startsWith('Binary')
      ? { DataType: type, BinaryValue: String(v) }
      : { DataType: type, StringValue: String(v) };
  }
  return out;
}
