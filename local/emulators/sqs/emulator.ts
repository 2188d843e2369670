import { createHash } from 'node:crypto';
import * as SqsSdk from '@aws-sdk/client-sqs';
import type { Clock } from '../../../shared/clock';
import { AccessControl } from '../common/access-control';
import {
  AwsError,
  awsRpcHandler,
  type CallContext,
  type Handler,
  type JsonObject,
  type Operation,
} from '../common/json-rpc';
import type { FaultInjector, RateLimiter } from '../common/limits';
import type { Caller } from '../common/policy';
import { notEmulatedMessage, serviceModel } from '../common/smithy';
import {
  checkMessageAttributes,
  md5OfAttributes,
  messageSize,
  nameList,
  SYSTEM_ATTRIBUTES,
  selectMessageAttributes,
  selectSystemAttributes,
} from './attributes';
import { intParam, sqsError } from './errors';
import { checkBody, checkSystemAttributes, receiptHandle } from './message-checks';
import { LocalQueue, type SqsMessage } from './queue';
import {
  applyQueueSettings,
  differingAttribute,
  parseQueueAttributes,
  selectQueueAttributes,
} from './queue-attributes';
import { receiveWaiting } from './receive';
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

const model = serviceModel(SqsSdk);

/** Input members each operation honours. FIFO-only parameters and queue tags are not emulated. */
const HONOURED = {
  CreateQueue: ['QueueName', 'Attributes'],
  GetQueueUrl: ['QueueName', 'QueueOwnerAWSAccountId'],
  ListQueues: ['QueueNamePrefix', 'NextToken', 'MaxResults'],
  SendMessage: ['QueueUrl', 'MessageBody', 'DelaySeconds', 'MessageAttributes', 'MessageSystemAttributes'],
  SendMessageBatch: ['QueueUrl', 'Entries'],
  // ReceiveRequestAttemptId "applies only to FIFO queues": a standard queue ignores it, as AWS's does.
  ReceiveMessage: [
    'QueueUrl',
    'AttributeNames',
    'MessageSystemAttributeNames',
    'MessageAttributeNames',
    'MaxNumberOfMessages',
    'VisibilityTimeout',
    'WaitTimeSeconds',
    'ReceiveRequestAttemptId',
  ],
  DeleteMessage: ['QueueUrl', 'ReceiptHandle'],
  ChangeMessageVisibility: ['QueueUrl', 'ReceiptHandle', 'VisibilityTimeout'],
  GetQueueAttributes: ['QueueUrl', 'AttributeNames'],
} as const;
type Op = keyof typeof HONOURED;

const QUEUE_NAME = /^[A-Za-z0-9_-]{1,80}$/;
const SYSTEM_NAMES = new Set<string>([...SYSTEM_ATTRIBUTES, ...Object.values(SqsSdk.QueueAttributeName)]);

/**
 * Amazon SQS, standard queues, over both protocols AWS serves: AWS JSON 1.0 (`AmazonSQS.<Op>`, current
 * SDKs) and awsQuery (older SDKs, AWS CLI < 2.13): just what the functions, the local stack's event
 * source mappings and a user with the AWS CLI use.
 */
export function createSqsEmulator(options: SqsEmulatorOptions): SqsEmulator {
  const region = options.region ?? 'us-east-1';
  const accountId = options.accountId ?? '000000000000';
  const byName = new Map<string, LocalQueue>();
  const nameOf = (ref: string) => ref.split(/[/:]/).pop() ?? '';
  const find = (ref: unknown): LocalQueue => {
    if (ref === undefined || ref === null) throw sqsError.missing('QueueUrl');
    const queue = byName.get(nameOf(String(ref)));
    if (!queue) throw sqsError.nonExistent(ref);
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
  const deadLetter = (arn: string) => byName.get(nameOf(arn));

  const toWire = (m: SqsMessage, system: readonly string[], wanted: readonly string[]): JsonObject => {
    const attributes = selectSystemAttributes(m, system);
    const messageAttributes = selectMessageAttributes(m.attributes, wanted);
    const md5Attributes = md5OfAttributes(messageAttributes);
    return {
      MessageId: m.messageId,
      ReceiptHandle: m.receiptHandle,
      Body: m.body,
      MD5OfBody: md5(m.body),
      ...(Object.keys(attributes).length > 0 ? { Attributes: attributes } : {}),
      ...(md5Attributes
        ? { MessageAttributes: messageAttributes, MD5OfMessageAttributes: md5Attributes }
        : {}),
    };
  };

  const operations: Record<Op, Operation> = {
    CreateQueue: (i) => {
      const name = String(i.QueueName ?? '');
      if (i.QueueName === undefined) throw sqsError.missing('QueueName');
      if (name.endsWith('.fifo')) throw sqsError.unsupported(notEmulatedMessage('A FIFO queue'));
      if (!QUEUE_NAME.test(name)) {
        throw sqsError.invalidParameter(
          'Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length',
        );
      }
      const settings = parseQueueAttributes(i.Attributes, deadLetter);
      const existing = byName.get(name);
      if (existing) {
        const differs = differingAttribute(existing, settings);
        if (differs !== undefined) throw sqsError.nameExists(name, differs);
        return { QueueUrl: existing.url };
      }
      const queue = createQueue(name);
      applyQueueSettings(queue, settings, deadLetter);
      return { QueueUrl: queue.url };
    },
    GetQueueUrl: (i) => {
      const owner = i.QueueOwnerAWSAccountId;
      if (owner !== undefined && owner !== accountId) throw sqsError.nonExistent(i.QueueName);
      return { QueueUrl: find(i.QueueName).url };
    },
    ListQueues: (i) => {
      const prefix = typeof i.QueueNamePrefix === 'string' ? i.QueueNamePrefix : '';
      const max = intParam(i, 'MaxResults', 1, 1000) ?? 1000;
      const from = i.NextToken === undefined ? 0 : Number(Buffer.from(String(i.NextToken), 'base64url'));
      if (!Number.isInteger(from) || from < 0) throw sqsError.invalidParameter('Invalid NextToken value.');
      const urls = [...byName.values()].filter((q) => q.name.startsWith(prefix)).map((q) => q.url);
      const page = urls.slice(from, from + max);
      const more = i.MaxResults !== undefined && from + max < urls.length;
      return {
        ...(page.length > 0 ? { QueueUrls: page } : {}),
        ...(more ? { NextToken: Buffer.from(String(from + max)).toString('base64url') } : {}),
      };
    },
    SendMessage: (i, caller) => {
      authorizeSend(caller, find(i.QueueUrl));
      const queue = find(i.QueueUrl);
      const body = checkBody(i.MessageBody);
      const delaySeconds = intParam(i, 'DelaySeconds', 0, 900);
      const attributes = checkMessageAttributes(i.MessageAttributes);
      const trace = checkSystemAttributes(i.MessageSystemAttributes);
      if (messageSize(body, attributes) > queue.maximumMessageSize) {
        throw sqsError.invalidParameter(
          `One or more parameters are invalid. Reason: Message must be shorter than ${queue.maximumMessageSize} bytes.`,
        );
      }
      const system = { SenderId: caller.accessKeyId ?? accountId, ...trace };
      const m = queue.send(body, { delaySeconds, attributes, system });
      const md5Attributes = md5OfAttributes(attributes);
      const md5System = md5OfAttributes(
        Object.fromEntries(
          Object.entries(trace).map(([k, v]) => [k, { DataType: 'String', StringValue: v }]),
        ),
      );
      return {
        MessageId: m.messageId,
        MD5OfMessageBody: md5(m.body),
        ...(md5Attributes ? { MD5OfMessageAttributes: md5Attributes } : {}),
        ...(md5System ? { MD5OfMessageSystemAttributes: md5System } : {}),
      };
    },
    SendMessageBatch: (i, caller) => {
      const queue = find(i.QueueUrl);
      authorizeSend(caller, queue);
      return sendMessageBatch(queue, i.Entries);
    },
    ReceiveMessage: async (i) => {
      const queue = find(i.QueueUrl);
      const max = intParam(i, 'MaxNumberOfMessages', 1, 10) ?? 1;
      const visibility = intParam(i, 'VisibilityTimeout', 0, 43_200);
      const wait = intParam(i, 'WaitTimeSeconds', 0, 20) ?? queue.receiveMessageWaitTimeSeconds;
      const system = [...nameList(i, 'AttributeNames'), ...nameList(i, 'MessageSystemAttributeNames')];
      for (const n of system) if (!SYSTEM_NAMES.has(n)) throw sqsError.attributeName(n);
      const wanted = nameList(i, 'MessageAttributeNames');
      const messages = await receiveWaiting(options.clock, queue, max, visibility, wait);
      // "If no messages are available and the wait time expires, the call does not return a message list."
      return messages.length > 0 ? { Messages: messages.map((m) => toWire(m, system, wanted)) } : {};
    },
    DeleteMessage: (i) => {
      const queue = find(i.QueueUrl);
      const handle = receiptHandle(i.ReceiptHandle);
      // API_DeleteMessage: with a receipt handle that is not the latest, "the request succeeds, but the
      // message might not be deleted".
      queue.delete(handle);
      return {};
    },
    ChangeMessageVisibility: (i) => {
      const queue = find(i.QueueUrl);
      const handle = receiptHandle(i.ReceiptHandle);
      if (i.VisibilityTimeout === undefined) throw sqsError.missing('VisibilityTimeout');
      const seconds = intParam(i, 'VisibilityTimeout', 0, 43_200) ?? 0;
      if (!queue.changeVisibility(handle, seconds)) throw sqsError.notInFlight();
      return {};
    },
    GetQueueAttributes: (i) => {
      const attributes = selectQueueAttributes(find(i.QueueUrl), nameList(i, 'AttributeNames'));
      return Object.keys(attributes).length > 0 ? { Attributes: attributes } : {};
    },
  };
  const handler = awsRpcHandler({
    json: { targetPrefix: 'AmazonSQS', version: '1.0', queryCompatible: true },
    query: { xmlNamespace: 'http://queue.amazonaws.com/doc/2012-11-05/' },
    model,
    operations,
    members: HONOURED,
    notEmulated: sqsError.unsupported,
    limiter: options.limiter,
    faults: options.faults,
    throttleError: () => new AwsError('ThrottlingException', 'Rate exceeded', 400, 'ThrottlingException'),
    serverError: () => new AwsError('InternalFailure', 'We encountered an internal error.', 500),
  });
  return {
    handler,
    createQueue,
    queue: (ref) => byName.get(nameOf(ref)),
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
