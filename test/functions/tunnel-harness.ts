import { readFileSync } from 'node:fs';
import path from 'node:path';
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

/** IoT, secure tunneling, EventBridge and SNS mocked the way AWS answers; DynamoDB on dynalite. */
export async function startTunnelHarness() {
  const db = await startDynalite();
  // A test that captures logs sets its own level first.
  setFunctionEnv(db.endpoint, { POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'SILENT' });
  const docs = DynamoDBDocumentClient.from(db.client);
  const iot = mockClient(IoTClient);
  // client-iotsecuretunneling pins an older @smithy/types than the other clients: mock it loosely.
  const tunneling = mockClient(IoTSecureTunnelingClient as never) as unknown as LooseStub;
  const events = mockClient(EventBridgeClient);
  const sns = mockClient(SNSClient);
  let seq = 0;

  const reset = (things: Record<string, string[]> = {}) => {
    for (const m of [iot, tunneling, events, sns]) m.reset();
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
    tunneling.on(OpenTunnelCommand).callsFake(() => {
      seq += 1;
      return {
        tunnelId: `tunnel-${seq}`,
        tunnelArn: `arn:aws:iot:us-east-1:123456789012:tunnel/tunnel-${seq}`,
        sourceAccessToken: `${TOKEN_MARK}-source-${seq}`,
        destinationAccessToken: `${TOKEN_MARK}-destination-${seq}`,
      };
    });
    tunneling.on(CloseTunnelCommand).resolves({});
    tunneling.on(ListTunnelsCommand).resolves({ tunnelSummaries: [] });
    tunneling
      .on(DescribeTunnelCommand)
      .rejects(Object.assign(new Error('not found'), { name: 'ResourceNotFoundException' }));
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

  return { db, docs, iot, tunneling, events, sns, reset, auditFor, everythingWritten };
}
