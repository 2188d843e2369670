import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '../../../shared/clock';
import { readBody } from '../common/http';
import type { FaultInjector, RateLimiter } from '../common/limits';

export type SnsMessage = {
  messageId: string;
  topicArn: string;
  subject?: string;
  message: string;
  at: number;
};

export interface SnsEmulator {
  handler(req: IncomingMessage, res: ServerResponse): void;
  /** Every message published, in order: the local "inbox" of operators and on-call. */
  messages: SnsMessage[];
}

const escapeXml = (text: string) => text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * Amazon SNS over the awsQuery protocol the SDK speaks (form-encoded POST, XML answers). It only
 * records what is published: locally nobody is subscribed but the report and the CLI.
 */
export function createSnsEmulator(opts: {
  clock: Clock;
  limiter: RateLimiter;
  faults: FaultInjector;
}): SnsEmulator {
  const messages: SnsMessage[] = [];
  const reply = (res: ServerResponse, status: number, xml: string) => {
    res.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-requestid': randomUUID() });
    res.end(xml);
  };
  const error = (res: ServerResponse, status: number, code: string, message: string) =>
    reply(
      res,
      status,
      `<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>${status >= 500 ? 'Receiver' : 'Sender'}</Type><Code>${code}</Code><Message>${escapeXml(message)}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
    );
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    void readBody(req).then((body) => {
      const form = new URLSearchParams(body);
      const action = form.get('Action') ?? '';
      const fault = opts.faults.next();
      if (fault === 'throttle' || !opts.limiter.take(action))
        return error(res, 400, 'Throttling', 'Rate exceeded');
      if (fault === 'server-error') return error(res, 500, 'InternalError', 'Internal error');
      if (action !== 'Publish') return error(res, 400, 'InvalidAction', `Unsupported action ${action}`);
      const topicArn = form.get('TopicArn') ?? '';
      const message = form.get('Message');
      if (!topicArn.startsWith('arn:') || message === null)
        return error(res, 400, 'InvalidParameter', 'TopicArn and Message are required');
      const messageId = randomUUID();
      messages.push({
        messageId,
        topicArn,
        subject: form.get('Subject') ?? undefined,
        message,
        at: opts.clock.now(),
      });
      reply(
        res,
        200,
        `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>${messageId}</MessageId></PublishResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></PublishResponse>`,
      );
    });
  };
  return { handler, messages };
}
