import { readFileSync } from 'node:fs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateThingCommand, IoTClient } from '@aws-sdk/client-iot';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { evaluateRules, targetsOf } from '../../shared/domain/grouping/evaluate';
import { compileRulesText } from '../../shared/domain/grouping/rules-text';

// The real assign-groups bundle on the local stack: a burst of 1,000 things, every registry
// event delivered at least once (30% twice) and out of order, 5% of IoT calls throttled.
const THINGS = 1000;
const rules = compileRulesText(readFileSync('config/grouping-rules.yml', 'utf8'));
const regions = ['eu-west-1', 'us-east-1', 'ap-south-1'];
const attributesOf = (i: number) => ({
  region: regions[i % 3] as string,
  site: `plant-${i % 7}`,
  model: `m${i % 4}`,
});
let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack({
    seed: 42,
    speed: 50,
    faults: { throttleRate: 0.05 },
    functionEnv: { AWS_RETRY_MODE: 'standard' },
    delivery: { duplicateRate: 0.3, reorderWindowMs: 20_000 },
  });
  const deployed = await stack.deployCustomResources();
  expect(deployed).toEqual([
    { id: 'IotEventConfiguration', status: 'SUCCESS', reason: 'SUCCESS' },
    { id: 'FleetIndexingConfiguration', status: 'SUCCESS', reason: 'SUCCESS' },
  ]);
  const iot = new IoTClient(stack.clientConfig('iot', { maxAttempts: 10 }));
  for (let i = 0; i < THINGS; i += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, THINGS - i) }, (_, k) =>
        iot.send(
          new CreateThingCommand({
            thingName: `dev-${i + k}`,
            thingTypeName: undefined,
            attributePayload: { attributes: attributesOf(i + k) },
          }),
        ),
      ),
    );
  }
  await stack.runUntilIdle();
}, 300_000);

afterAll(async () => {
  await stack?.close();
});

describe('provisioning burst on the local stack', () => {
  it('puts every thing in exactly the groups the rules give it', () => {
    const { state } = stack.services.iot;
    let checked = 0;
    for (let i = 0; i < THINGS; i++) {
      const thingName = `dev-${i}`;
      const expected = targetsOf(evaluateRules(rules, { thingName, attributes: attributesOf(i) }))
        .map((t) => t.group)
        .sort();
      const actual = [...(state.things.get(thingName)?.groups ?? [])].sort();
      expect(actual, thingName).toEqual(expected);
      checked += 1;
    }
    expect(checked).toBe(THINGS);
  });

  it('loses nothing and parks nothing, although events were duplicated and IoT throttled', () => {
    expect(stack.delivery.stats.duplicated).toBeGreaterThan(THINGS * 0.2);
    expect(stack.router.stats.lost).toBe(0);
    for (const queue of stack.services.sqs.queues()) expect(queue.depth(), queue.name).toBe(0);
    expect(stack.services.iot.calls.length).toBeGreaterThan(THINGS);
  });

  it('writes one audit record per thing, matching the IoT memberships one to one', async () => {
    const docs = DynamoDBDocumentClient.from(new DynamoDBClient(stack.clientConfig('dynamodb')));
    const records: Record<string, unknown>[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await docs.send(new ScanCommand({ TableName: 'AuditTable', ExclusiveStartKey }));
      records.push(...(page.Items ?? []));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    const assigned = records.filter((r) => r.action === 'thing.groups.assigned');
    expect(new Set(assigned.map((r) => r.pk)).size).toBe(assigned.length);
    expect(assigned).toHaveLength(THINGS);
    const adds = stack.services.iot.calls.filter((c) => c.operation === 'AddThingToThingGroup');
    const audited = assigned.reduce((n, r) => n + ((r.details as { added: string[] }).added.length ?? 0), 0);
    // Every membership the audit claims happened was made exactly once on the IoT side.
    expect(adds.length).toBe(audited);
  });
});
