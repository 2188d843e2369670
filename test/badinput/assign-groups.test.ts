import { IoTClient } from '@aws-sdk/client-iot';
import { SQSClient } from '@aws-sdk/client-sqs';
import { QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
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

const batch = (bodies: { body: string }[], offset: number) =>
  sqsEvent(
    bodies.map((b) => b.body),
    1,
    offset,
  );

describe('assign-groups: malformed registry events', () => {
  it(`rejects all ${cases.length} cases: audited once each, never retried, no side effect`, async () => {
    for (let i = 0; i < cases.length; i += 10) {
      const result = await t.handler(batch(cases.slice(i, i + 10), i), lambdaContext('assign-groups'));
      expect(result.batchItemFailures, cases[i]?.label).toEqual([]);
    }
    const { Items = [] } = await t.docs.send(
      new QueryCommand({
        TableName: 'AuditTable',
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': 'INPUT#registry-event' },
      }),
    );
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
    const again = cases.slice(0, 10);
    await t.handler(batch(again, 0), lambdaContext('assign-groups'));
    const all = await t.docs.send(new ScanCommand({ TableName: 'AuditTable' }));
    expect(all.Items?.length).toBe(cases.length);
  });
});
