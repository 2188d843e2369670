import { IoTClient } from '@aws-sdk/client-iot';
import { SQSClient } from '@aws-sdk/client-sqs';
import { QueryCommand, type QueryCommandOutput, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { assignGroupsOnDynalite } from '../helpers/assign-groups-handler';
import { lambdaContext, sqsEvent } from '../helpers/lambda';
import { registryCases } from './cases-events';
import { prototypePolluted } from './corpus';

// assign-groups on dynalite with every malformed registry event: each is audited as rejected
// (INPUT#registry-event), none is retried, and nothing reaches IoT or the state table.
const iot = mockClient(IoTClient);
const sqs = mockClient(SQSClient);
const cases = registryCases();
const t = assignGroupsOnDynalite();
beforeEach(() => {
  iot.reset();
  sqs.reset();
});

/** Delivers the cases in SQS batches of 10, message ids numbered from `first`; answers the ids. */
async function deliver(
  list: { label: string; body: string }[],
  first: number,
  receiveCount = 1,
): Promise<Set<string>> {
  const ids = new Set<string>();
  for (let i = 0; i < list.length; i += 10) {
    const event = sqsEvent(
      list.slice(i, i + 10).map((c) => c.body),
      receiveCount,
      first + i,
    );
    for (const r of event.Records) ids.add(r.messageId);
    const result = await t.handler(event, lambdaContext('assign-groups'));
    expect(result.batchItemFailures, list[i]?.label).toEqual([]);
  }
  return ids;
}

/** The rejection records of the given messages (the table holds other tests' records too). */
async function rejectionsOf(ids: Set<string>) {
  const items: NonNullable<QueryCommandOutput['Items']> = [];
  let ExclusiveStartKey: QueryCommandOutput['LastEvaluatedKey'];
  do {
    const page = await t.docs.send(
      new QueryCommand({
        TableName: 'AuditTable',
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': 'INPUT#registry-event' },
        ExclusiveStartKey,
      }),
    );
    items.push(...(page.Items ?? []));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return items.filter((r) => ids.has(r.cause.id));
}

describe('assign-groups: malformed registry events', () => {
  it(`rejects all ${cases.length} cases: audited once each, never retried, no side effect`, async () => {
    const ids = await deliver(cases, 0);
    const Items = await rejectionsOf(ids);
    expect(new Set(Items.map((r) => r.cause.id)).size).toBe(cases.length);
    for (const record of Items) {
      expect(record).toMatchObject({
        action: 'input.rejected',
        outcome: 'rejected',
        actor: 'function:assign-groups',
      });
      expect(record.details.reason).toMatch(/^registry event: /);
      expect(record.details.excerpt.length).toBeLessThanOrEqual(300);
      expect(record.details.issues.length).toBeLessThanOrEqual(21);
    }
    expect(iot.calls()).toHaveLength(0);
    expect(sqs.calls()).toHaveLength(0);
    const state = await t.docs.send(new ScanCommand({ TableName: 'StateTable' }));
    expect(state.Items ?? []).toEqual([]);
    expect(prototypePolluted()).toBe(false);
  });

  it('audits a redelivered bad message once', async () => {
    const first = cases.slice(0, 10);
    const ids = await deliver(first, 100_000);
    await deliver(first, 100_000, 2);
    const records = await rejectionsOf(ids);
    expect(records).toHaveLength(first.length);
    expect(new Set(records.map((r) => r.cause.id))).toEqual(ids);
  });
});
