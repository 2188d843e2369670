import {
  AddThingToThingGroupCommand,
  CreateThingGroupCommand,
  DescribeThingGroupCommand,
  IoTClient,
  ListThingGroupsForThingCommand,
  RemoveThingFromThingGroupCommand,
} from '@aws-sdk/client-iot';
import { ChangeMessageVisibilityCommand, SQSClient } from '@aws-sdk/client-sqs';
import { QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { assignGroupsOnDynalite } from '../helpers/assign-groups-handler';
import { thingEvent } from '../helpers/events';
import { lambdaContext, sqsEvent } from '../helpers/lambda';

// The real handler, real Powertools batch processing, DynamoDB on dynalite; only IoT
// and SQS are mocked, holding memberships the way AWS does.
const iot = mockClient(IoTClient);
const sqs = mockClient(SQSClient);
const members = new Map<string, Set<string>>();
const t = assignGroupsOnDynalite();

beforeEach(() => {
  iot.reset();
  sqs.reset();
  members.clear();
  iot.on(CreateThingGroupCommand).resolves({});
  iot.on(AddThingToThingGroupCommand).callsFake((input) => {
    const set = members.get(input.thingName) ?? new Set<string>();
    set.add(input.thingGroupName);
    members.set(input.thingName, set);
    return {};
  });
  iot.on(RemoveThingFromThingGroupCommand).callsFake((input) => {
    members.get(input.thingName)?.delete(input.thingGroupName);
    return {};
  });
  // A retry after a failed attempt starts from the memberships as they are.
  iot.on(ListThingGroupsForThingCommand).callsFake((input) => ({
    thingGroups: [...(members.get(input.thingName) ?? [])].map((groupName) => ({ groupName })),
  }));
  iot.on(DescribeThingGroupCommand).callsFake((input) => ({
    thingGroupName: input.thingGroupName,
    thingGroupProperties: { attributePayload: { attributes: { managedBy: 'fleet-autopilot' } } },
  }));
  sqs.on(ChangeMessageVisibilityCommand).resolves({});
});

async function auditFor(pk: string) {
  const { Items } = await t.docs.send(
    new QueryCommand({
      TableName: 'AuditTable',
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': pk },
    }),
  );
  return Items ?? [];
}

describe('assign-groups handler', () => {
  it('groups a created thing once, even when the event arrives twice in a batch and again later', async () => {
    const event = JSON.stringify(thingEvent({ thingName: 'dup-1' }));
    const first = await t.handler(sqsEvent([event, event]), lambdaContext('assign-groups'));
    const again = await t.handler(sqsEvent([event]), lambdaContext('assign-groups'));
    // Two copies in one batch race for the thing's lease: the loser is retried, never applied twice.
    expect(first.batchItemFailures.length).toBeLessThanOrEqual(1);
    expect(again.batchItemFailures).toEqual([]);
    expect([...(members.get('dup-1') ?? [])]).toEqual(
      expect.arrayContaining(['site-eu-west-1-plant-7', 'model-th200']),
    );
    expect(await auditFor('THING#dup-1')).toHaveLength(1);
  });

  it('audits malformed input as rejected and does not retry it', async () => {
    const wrongType = JSON.stringify({ ...thingEvent({ thingName: 'bad-1' }), attributes: { region: 7 } });
    const noName = JSON.stringify({ ...thingEvent(), thingName: undefined });
    const oversized = JSON.stringify({ ...thingEvent(), padding: 'x'.repeat(140_000) });
    const result = await t.handler(
      sqsEvent(['not json', wrongType, noName, oversized]),
      lambdaContext('assign-groups'),
    );
    expect(result.batchItemFailures).toEqual([]);
    const rejected = await auditFor('INPUT#registry-event');
    const reasons = rejected.map((r) => r.details.reason as string);
    expect(reasons).toEqual(
      expect.arrayContaining([
        'registry event: body is not JSON',
        expect.stringMatching(/attributes\.region: /),
        expect.stringMatching(/thingName: /),
        expect.stringMatching(/over 131072 bytes/),
      ]),
    );
    expect(iot.commandCalls(AddThingToThingGroupCommand)).toHaveLength(0);
  });

  it('reports only the failing record and backs its redelivery off', async () => {
    iot
      .on(AddThingToThingGroupCommand)
      .rejects(Object.assign(new Error('down'), { name: 'ServiceUnavailableException' }));
    const ok = JSON.stringify(thingEvent({ thingName: 'ok-1', attributes: {} }));
    const failing = JSON.stringify(thingEvent({ thingName: 'fail-1' }));
    const event = sqsEvent([ok, failing], 3);
    const result = await t.handler(event, lambdaContext('assign-groups'));
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: event.Records[1]?.messageId }]);
    expect(sqs.commandCalls(ChangeMessageVisibilityCommand)[0]?.args[0].input).toMatchObject({
      ReceiptHandle: 'rh-1',
      VisibilityTimeout: 40,
    });
    expect(await auditFor('THING#fail-1')).toHaveLength(0);

    // The retry succeeds once IoT recovers: the failed attempt left the thing's lease idle for it.
    iot.on(AddThingToThingGroupCommand).resolves({});
    const retry = await t.handler(sqsEvent([failing]), lambdaContext('assign-groups'));
    expect(retry.batchItemFailures).toEqual([]);
    expect(await auditFor('THING#fail-1')).toHaveLength(1);
  });

  it('never lets an audit record be overwritten: the writer only ever adds', async () => {
    const before = (await t.docs.send(new ScanCommand({ TableName: 'AuditTable' }))).Items?.length ?? 0;
    const event = JSON.stringify(thingEvent({ thingName: 'once-1', versionNumber: 1 }));
    await t.handler(sqsEvent([event]), lambdaContext('assign-groups'));
    const moved = JSON.stringify(
      thingEvent({
        thingName: 'once-1',
        operation: 'UPDATED',
        versionNumber: 2,
        attributes: { region: 'us', site: 'x', model: 'TH200' },
      }),
    );
    await t.handler(sqsEvent([moved]), lambdaContext('assign-groups'));
    const records = await auditFor('THING#once-1');
    expect(records.map((r) => r.details.removed)).toEqual([[], ['site-eu-west-1-plant-7']]);
    expect((await t.docs.send(new ScanCommand({ TableName: 'AuditTable' }))).Items?.length).toBe(before + 2);
  });
});
