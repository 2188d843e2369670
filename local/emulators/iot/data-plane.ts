import type { IncomingMessage, ServerResponse } from 'node:http';
import * as IotDataSdk from '@aws-sdk/client-iot-data-plane';
import { readBody, sendJson } from '../common/http';
import {
  matchModelRoute,
  notEmulatedMessage,
  restMembersPresent,
  serviceModel,
  unsupportedMembers,
} from '../common/smithy';
import { IotError, invalidRequest } from './errors';
import type { ShadowApi } from './index';

const model = serviceModel(IotDataSdk);
const MAX_TOPIC_BYTES = 256;
const MAX_SLASHES = 7;
const MAX_PAYLOAD_BYTES = 128 * 1024;

/**
 * Reserved topics a client may publish to (AWS IoT Core Developer Guide, "Reserved topics",
 * https://docs.aws.amazon.com/iot/latest/developerguide/reserved-topics.html): the shadow, jobs,
 * Device Defender, fleet provisioning and Basic Ingest request topics. Everything else under `$`,
 * above all the `$aws/events/…` topics AWS IoT publishes itself, allows clients to subscribe only.
 */
const CLIENT_PUBLISHABLE = [
  /^\$aws\/things\/[^/]+\/shadow\/(name\/[^/]+\/)?(get|update|delete)$/,
  /^\$aws\/things\/[^/]+\/jobs\/(get|start-next|[^/]+\/get|[^/]+\/update)$/,
  /^\$aws\/things\/[^/]+\/defender\/metrics\/(json|cbor)$/,
  /^\$aws\/certificates\/create(-from-csr)?\/(json|cbor)$/,
  /^\$aws\/provisioning-templates\/[^/]+\/provision\/(json|cbor)$/,
  /^\$aws\/rules\/[^/]+(\/.*)?$/,
];

export type Publish = (topic: string, payload: Record<string, unknown>) => void;

const forbidden = (topic: string) =>
  new IotError(
    'ForbiddenException',
    403,
    `Publish to ${topic} is not allowed: topics that begin with $ are reserved for AWS IoT, and clients may ` +
      'only subscribe to this one (AWS IoT Core Developer Guide, "Reserved topics")',
  );

/** Checks a client's Publish and answers as AWS would; returns the topic and payload to deliver. */
function checkPublish(
  req: IncomingMessage,
  url: URL,
  text: string,
): { topic: string; payload: Record<string, unknown> } {
  const op = model.get('Publish');
  const present = op ? restMembersPresent(op, url.searchParams, req.headers, {}) : [];
  const refused = unsupportedMembers(op, present, ['qos']);
  if (refused.length > 0)
    throw invalidRequest(notEmulatedMessage(`Parameter ${refused.join(', ')} of Publish`));
  let topic: string;
  try {
    topic = decodeURIComponent(url.pathname.replace(/^\/topics\//, ''));
  } catch {
    throw invalidRequest('The topic is not a valid URL-encoded string');
  }
  const qos = url.searchParams.get('qos') ?? '0';
  if (qos !== '0' && qos !== '1')
    throw invalidRequest(`Invalid qos ${qos}: the Quality of Service level is 0 or 1`);
  if (topic === '' || /[+#]/.test(topic) || Buffer.byteLength(topic) > MAX_TOPIC_BYTES) {
    throw invalidRequest(`Invalid topic name ${topic}: 1 to ${MAX_TOPIC_BYTES} bytes, no wildcards`);
  }
  if ((topic.match(/\//g) ?? []).length > MAX_SLASHES) {
    throw invalidRequest(`Invalid topic name ${topic}: at most ${MAX_SLASHES} forward slashes`);
  }
  if (topic.startsWith('$')) {
    if (!CLIENT_PUBLISHABLE.some((re) => re.test(topic))) throw forbidden(topic);
    // Shadow, jobs, Defender, provisioning and Basic Ingest requests reach services the stack lacks.
    throw invalidRequest(notEmulatedMessage(`Publishing to the reserved topic ${topic}`));
  }
  if (Buffer.byteLength(text) > MAX_PAYLOAD_BYTES) {
    throw new IotError(
      'RequestEntityTooLargeException',
      413,
      'The payload exceeds the maximum size allowed (128 KB)',
    );
  }
  let payload: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(text);
    payload =
      parsed !== null && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : { raw: text };
  } catch {
    payload = { raw: text };
  }
  return { topic, payload };
}

/** Device Shadow REST API routes (Developer Guide, "Device Shadow REST API"); undefined if none match. */
function shadowRoute(
  shadows: ShadowApi,
  req: IncomingMessage,
  url: URL,
  text: string,
): { run: () => unknown } | undefined {
  const method = req.method ?? 'GET';
  let parts: string[];
  try {
    parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  } catch {
    return undefined;
  }
  const list =
    parts.length === 5 && parts.slice(0, 4).join('/') === 'api/things/shadow/ListNamedShadowsForThing';
  if (list && method === 'GET') {
    const pageSize = url.searchParams.get('pageSize');
    return {
      run: () => {
        const out = shadows.list(parts[4] as string) as { results: string[]; timestamp: number };
        return pageSize === null ? out : { ...out, results: out.results.slice(0, Number(pageSize)) };
      },
    };
  }
  if (parts.length !== 3 || parts[0] !== 'things' || parts[2] !== 'shadow') return undefined;
  const thing = parts[1] as string;
  const name = url.searchParams.get('name') ?? '';
  if (method === 'GET') return { run: () => shadows.get(thing, name) };
  if (method === 'POST') return { run: () => shadows.update(thing, name, text) };
  if (method === 'DELETE') return { run: () => shadows.delete(thing, name) };
  return undefined;
}

/**
 * The AWS IoT data plane (`AWS_ENDPOINT_URL_IOT_DATA_PLANE`) as a client reaches it: Publish injects
 * an MQTT message into the rules engine. AWS IoT's own events take the stack's internal path, never
 * this one, so refusing reserved topics here leaves them untouched.
 */
export function createIotDataHandler(publish: Publish, shadows?: ShadowApi) {
  const send = (res: ServerResponse, status: number, body: unknown, errorType?: string) =>
    sendJson(res, status, body, errorType === undefined ? {} : { 'x-amzn-errortype': errorType });
  return (req: IncomingMessage, res: ServerResponse): void => {
    void readBody(req).then((text) => {
      const url = new URL(req.url ?? '/', 'http://local');
      const method = req.method ?? 'GET';
      const shadow = shadows ? shadowRoute(shadows, req, url, text) : undefined;
      if (shadow) {
        try {
          return send(res, 200, shadow.run());
        } catch (err) {
          const e =
            err instanceof IotError ? err : new IotError('InternalFailureException', 500, String(err));
          return send(res, e.status, e.body(), e.name);
        }
      }
      if (method !== 'POST' || !url.pathname.startsWith('/topics/')) {
        const modelled = matchModelRoute(model, method, url.pathname);
        const emulated = shadows
          ? 'Publish, GetThingShadow, UpdateThingShadow, DeleteThingShadow, ListNamedShadowsForThing'
          : 'Publish';
        const message = modelled
          ? `${notEmulatedMessage(`Operation ${modelled}`)}; emulated: ${emulated}`
          : `No operation for ${method} ${url.pathname}`;
        return send(res, 404, { message }, 'UnknownOperationException');
      }
      try {
        const { topic, payload } = checkPublish(req, url, text);
        publish(topic, payload);
        send(res, 200, {});
      } catch (err) {
        const e = err instanceof IotError ? err : new IotError('InternalFailureException', 500, String(err));
        send(res, e.status, e.body(), e.name);
      }
    });
  };
}
