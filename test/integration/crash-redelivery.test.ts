import { CreateThingCommand, CreateThingTypeCommand, IoTClient } from '@aws-sdk/client-iot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scanAudit } from '../../local/scenario/report';
import { type LocalStack, startLocalStack } from '../../local/stack';

// A container dies in the middle of an SQS batch: its records' thing leases stay live, not idle.
// Function code reads the stack's virtual clock, so by the time SQS hands the batch out again (the
// queue's 360 s visibility timeout, virtual) the leases (2 minutes, virtual) have run out, and the
// retry proceeds instead of parking the records in the DLQ.
const THINGS = 12;
let stack: LocalStack;
let createdAt = 0;

beforeAll(async () => {
  stack = await startLocalStack({
    seed: 5,
    functionEnv: { AWS_RETRY_MODE: 'standard' },
    // 30 virtual ms in: past the lease claims, inside the paced membership calls.
    chaos: { crashes: [{ function: 'AssignGroupsLambdaFunction', invocations: [1], afterMs: 30 }] },
  });
  await stack.deployCustomResources();
  const iot = new IoTClient(stack.clientConfig('iot'));
  await iot.send(new CreateThingTypeCommand({ thingTypeName: 'sensor' }));
  createdAt = stack.clock.now();
  await Promise.all(
    Array.from({ length: THINGS }, (_, i) =>
      iot.send(
        new CreateThingCommand({
          thingName: `crash-${i}`,
          thingTypeName: 'sensor',
          attributePayload: { attributes: { region: 'eu-west-1', site: 'plant-1', model: 'th200' } },
        }),
      ),
    ),
  );
  await stack.runUntilIdle();
}, 120_000);

afterAll(async () => {
  await stack?.close();
});

describe('a container that dies mid-batch', () => {
  it('crashed once, in the middle of its first batch', () => {
    expect(stack.host.crashes).toBe(1);
    expect(stack.logLines.some((l) => /crashed: .*exit status 137/.test(l.line))).toBe(true);
  });

  it('gets its batch back after the visibility timeout, and the retry groups every thing', async () => {
    for (let i = 0; i < THINGS; i++)
      expect(stack.services.iot.state.things.get(`crash-${i}`)?.groups, `crash-${i}`).toContain(
        'site-eu-west-1-plant-1',
      );
    const audit = (await scanAudit(stack)).filter((a) => a.action === 'thing.groups.assigned');
    expect(audit).toHaveLength(THINGS);
    // The audit's time is the event's; the group calls show when the batch was worked again.
    const adds = stack.services.iot.calls.filter((c) => c.operation === 'AddThingToThingGroup');
    const last = Math.max(...adds.map((c) => c.at));
    expect(last - createdAt).toBeGreaterThanOrEqual(360_000);
  });

  it('parks nothing: the leases ran out on the same clock as SQS', () => {
    const dlq = stack.services.sqs.queues().find((q) => q.name === 'AssignGroupsDLQ');
    expect(dlq?.depth()).toBe(0);
    expect(stack.pollers[0]?.stats.invocationErrors).toBe(1);
  });
});
