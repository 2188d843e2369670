import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  ListTagsForResourceCommand,
} from '@aws-sdk/client-cloudwatch';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DescribeThingCommand, IoTClient, ListThingGroupsForThingCommand } from '@aws-sdk/client-iot';
import {
  CloseTunnelCommand,
  DescribeTunnelCommand,
  IoTSecureTunnelingClient,
  ListTunnelsCommand,
  OpenTunnelCommand,
  RotateTunnelAccessTokenCommand,
} from '@aws-sdk/client-iotsecuretunneling';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { startDynalite } from '../helpers/dynalite';
import { setFunctionEnv } from '../helpers/function-env';
import { lambdaContext } from '../helpers/lambda';
import { FakeAws } from './tunnel-aws-fakes';

/** Documented CloudWatch alarm state change events (test/events/cloudwatch-*.json), adjustable per test. */
export type Fixture = 'single-metric' | 'tagged' | 'metric-math' | 'composite';
type Json = Record<string, unknown> & {
  detail: Record<string, unknown> & { state: Record<string, unknown> };
};

export function alarmEvent(
  fixture: Fixture,
  o: { id?: string; at?: number; state?: 'ALARM' | 'OK'; alarmName?: string; thing?: string } = {},
): Json {
  const file = path.join(process.cwd(), 'test/events', `cloudwatch-${fixture}.json`);
  const event = JSON.parse(readFileSync(file, 'utf8')) as Json;
  if (o.id) event.id = o.id;
  if (o.at !== undefined) {
    event.time = new Date(Math.floor(o.at / 1000) * 1000).toISOString().replace('.000Z', 'Z');
    event.detail.state.timestamp = new Date(o.at).toISOString().replace('Z', '+0000');
  }
  if (o.state) {
    event.detail.previousState = { ...event.detail.state, value: o.state === 'OK' ? 'ALARM' : 'OK' };
    event.detail.state.value = o.state;
  }
  if (o.alarmName) {
    event.detail.alarmName = o.alarmName;
    event.resources = [`arn:aws:cloudwatch:us-east-1:123456789012:alarm:${o.alarmName}`];
  }
  if (o.thing) {
    const json = JSON.stringify(event).replaceAll(/"sensor-000\d"/g, JSON.stringify(o.thing));
    return JSON.parse(json) as Json;
  }
  return event;
}

type Input = Record<string, unknown>;
/** The part of aws-sdk-client-mock's stub the tests use, without the SDK's generic types. */
export type LooseStub = {
  on(command: unknown): {
    callsFake(fn: (input: Input) => unknown): unknown;
    resolves(value: unknown): unknown;
    rejects(error: unknown): unknown;
    rejectsOnce(error: unknown): LooseStub['on'] extends (c: unknown) => infer R ? R : never;
  };
  reset(): void;
  calls(): { args: [{ input: Input }] }[];
  commandCalls(command: unknown): { args: [{ input: Input }] }[];
};

/** One virtual day per test keeps each test's tunnels out of the others' fleet cap and cooldowns. */
export const DAY = 86_400_000;
export const MINUTE = 60_000;
export const BASE = Date.parse('2026-01-01T10:00:00Z');

export const TOKEN_MARK = 'AQGA-SECRET-TOKEN';

export const ACCOUNT = '123456789012';
export const ENROLLER = 'arn:aws:iam::123456789012:user/tunnel-admin';

type Api = (event: unknown, context: unknown) => Promise<{ statusCode: number; body: string }>;
let apiRequests = 0;

/** An HTTP API (payload 2.0, IAM auth) request as API Gateway hands it to tunnel-api. */
export function apiRequest(
  routeKey: string,
  o: { principal?: string; body?: unknown; path?: Record<string, string>; at?: number } = {},
) {
  apiRequests += 1;
  const [method, path] = routeKey.split(' ');
  return {
    version: '2.0',
    routeKey,
    rawPath: path ?? '',
    headers: {},
    pathParameters: o.path,
    body: o.body === undefined ? undefined : JSON.stringify(o.body),
    isBase64Encoded: false,
    requestContext: {
      accountId: ACCOUNT,
      apiId: 'api',
      requestId: `enrol-req-${apiRequests}`,
      timeEpoch: o.at ?? BASE,
      http: { method, path: path ?? '' },
      authorizer: { iam: { userArn: o.principal ?? ENROLLER } },
    },
  };
}

/**
 * IoT, secure tunneling, CloudWatch, EventBridge and SNS mocked the way AWS answers (CloudWatch
 * alarms and tunnels kept in `aws`, see tunnel-aws-fakes.ts); DynamoDB on dynalite.
 */
export async function startTunnelHarness() {
  const db = await startDynalite();
  // A test that captures logs sets its own level first.
  setFunctionEnv(db.endpoint, {
    POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'SILENT',
    FLEET_ACCOUNT_ID: ACCOUNT,
  });
  const docs = DynamoDBDocumentClient.from(db.client);
  const iot = mockClient(IoTClient);
  // client-iotsecuretunneling pins an older @smithy/types than the other clients: mock it loosely.
  const tunneling = mockClient(IoTSecureTunnelingClient as never) as unknown as LooseStub;
  const cloudWatch = mockClient(CloudWatchClient);
  const events = mockClient(EventBridgeClient);
  const sns = mockClient(SNSClient);
  const aws = new FakeAws();

  const reset = (things: Record<string, string[]> = {}) => {
    for (const m of [iot, tunneling, cloudWatch, events, sns]) m.reset();
    aws.reset();
    cloudWatch.on(DescribeAlarmsCommand).callsFake((input) => aws.describeAlarms(input));
    cloudWatch.on(ListTagsForResourceCommand).callsFake((input) => aws.listTags(input));
    iot.on(DescribeThingCommand).callsFake((input) => {
      if (!input.thingName.startsWith('sensor-') && !(input.thingName in things)) {
        throw Object.assign(new Error(`Thing ${input.thingName} cannot be found.`), {
          name: 'ResourceNotFoundException',
        });
      }
      return { thingName: input.thingName };
    });
    iot.on(ListThingGroupsForThingCommand).callsFake((input) => ({
      thingGroups: (things[input.thingName] ?? []).map((groupName) => ({ groupName })),
    }));
    tunneling.on(OpenTunnelCommand).callsFake((input) => aws.openTunnel(input, TOKEN_MARK));
    tunneling.on(CloseTunnelCommand).callsFake((input) => aws.closeTunnel(input));
    tunneling.on(ListTunnelsCommand).callsFake((input) => aws.listTunnels(input));
    tunneling.on(DescribeTunnelCommand).callsFake((input) => aws.describeTunnel(input));
    tunneling.on(RotateTunnelAccessTokenCommand).resolves({});
    events.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e' }] });
    sns.on(PublishCommand).resolves({ MessageId: 'm' });
  };

  const auditFor = async (pk: string) => {
    const { Items } = await docs.send(
      new QueryCommand({
        TableName: 'AuditTable',
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': pk },
      }),
    );
    return Items ?? [];
  };

  /** Everything the automation wrote or sent, as one string, for leak checks. */
  const everythingWritten = async () => {
    const tables = await Promise.all(
      ['AuditTable', 'StateTable'].map((t) => docs.send(new ScanCommand({ TableName: t }))),
    );
    const sent = [events, sns].flatMap((m) => m.calls().map((c) => c.args[0].input));
    return JSON.stringify([tables.map((t) => t.Items), sent]);
  };

  let api: Api | undefined;
  /** Calls the real tunnel-api handler. */
  const callApi = async (request: ReturnType<typeof apiRequest>) => {
    api ??= ((await import('../../functions/tunnel-api')) as unknown as { handler: Api }).handler;
    return api(request, lambdaContext('tunnel-api'));
  };

  /**
   * CloudWatch shows the event's alarm (as it was when the event was emitted), and an operator
   * enrols it through the API for `thing` (default: the thing the event names).
   */
  const enrol = async (
    event: Record<string, unknown> & { detail: Record<string, unknown> },
    o: { thing?: string; principal?: string; services?: string[] } = {},
  ) => {
    const alarm = aws.observe(event);
    const thingName =
      o.thing ??
      alarm.tags.ThingName ??
      JSON.stringify(event).match(/"ThingName":"([^"]+)"/)?.[1] ??
      'unknown-thing';
    const response = await callApi(
      apiRequest('POST /tunnels/enrolments', {
        principal: o.principal,
        body: { alarmName: alarm.name, thingName, ...(o.services ? { services: o.services } : {}) },
      }),
    );
    if (response.statusCode >= 300)
      throw new Error(`enrolment refused: ${response.statusCode} ${response.body}`);
    return JSON.parse(response.body) as Record<string, unknown>;
  };

  return {
    db,
    docs,
    iot,
    tunneling,
    cloudWatch,
    events,
    sns,
    aws,
    reset,
    auditFor,
    everythingWritten,
    callApi,
    enrol,
  };
}
