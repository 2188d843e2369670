import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { SendMessageBatchCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { thingEvent } from '../helpers/events';

// The red team's reproductions of findings 2 and 5, against the local stack as `npm start` runs it
// (`npm run package` first): an operator's access key names the operator, each function signs
// with its own role, and the emulators hold every caller to the template's resource policies.
let stack: LocalStack;
const BUS = 'fleet-autopilot-dev';
const as = (accessKeyId: string) => ({ accessKeyId, secretAccessKey: 'local' });

beforeAll(async () => {
  stack = await startLocalStack({ functionEnv: { AWS_RETRY_MODE: 'standard' } });
}, 120_000);
afterAll(async () => {
  await stack?.close();
});

const forgedOutcome = (thingName: string) => ({
  EventBusName: BUS,
  Source: 'fleet-autopilot',
  DetailType: 'JobExecutionTerminal',
  Time: new Date(stack.clock.now() + 5 * 3600_000),
  Detail: JSON.stringify({
    eventId: `forged-${thingName}`,
    jobId: 'rollout-fw-000',
    thingName,
    thingArn: `arn:aws:iot:us-east-1:000000000000:thing/${thingName}`,
    status: 'SUCCEEDED',
    outcome: 'succeeded',
  }),
});

describe('local stack: who may put events on the project bus', () => {
  it('refuses `aws events put-events` of forged job outcomes by an operator: AccessDeniedException per entry', async () => {
    const before = stack.services.eventBridge.archive(BUS).length;
    const operator = new EventBridgeClient({
      ...stack.clientConfig('eventBridge'),
      credentials: as('alice'),
    });
    const out = await operator.send(
      new PutEventsCommand({ Entries: [forgedOutcome('dev-1'), forgedOutcome('dev-2')] }),
    );
    expect(out.FailedEntryCount).toBe(2);
    for (const e of out.Entries ?? []) {
      expect(e.EventId).toBeUndefined();
      expect(e.ErrorCode).toBe('AccessDeniedException');
      expect(e.ErrorMessage).toBe(
        `User: arn:aws:iam::000000000000:user/alice is not authorized to perform: events:PutEvents on resource: arn:aws:events:us-east-1:000000000000:event-bus/${BUS} with an explicit deny in a resource-based policy`,
      );
    }
    await stack.runUntilIdle();
    expect(stack.services.eventBridge.archive(BUS).length).toBe(before);
    expect(stack.host.stats.get('fleet-autopilot-dev-rolloutTracker')?.invocations).toBe(0);
  });

  it("refuses a job outcome signed with another function's role: only the bridge may put those", async () => {
    const api = new EventBridgeClient({
      ...stack.clientConfig('eventBridge'),
      credentials: as('RolloutApiIamRoleLambdaExecution'),
    });
    const out = await api.send(
      new PutEventsCommand({
        Entries: [forgedOutcome('dev-3'), { ...forgedOutcome('dev-3'), DetailType: 'RolloutStageStarted' }],
      }),
    );
    expect(out.Entries?.map((e) => e.ErrorCode)).toEqual(['AccessDeniedException', undefined]);
  });

  it("lets the bridge function put the events it normalizes, signed with its own role's key", async () => {
    const before = stack.services.eventBridge.archive(BUS).length;
    stack.router.publishMqtt('$aws/events/job/rollout-fw-000/completed', {
      eventType: 'JOB',
      eventId: 'job-completed-1',
      timestamp: Math.floor(stack.clock.now() / 1000),
      operation: 'completed',
      jobId: 'rollout-fw-000',
      status: 'COMPLETED',
    });
    await stack.runUntilIdle();
    const added = stack.services.eventBridge.archive(BUS).slice(before);
    expect(added.map((e) => [e.source, e['detail-type']])).toEqual([['fleet-autopilot', 'JobCompleted']]);
    expect(stack.host.stats.get('fleet-autopilot-dev-jobEventsBridge')).toEqual({
      invocations: 1,
      errors: 0,
    });
  });
});

describe('local stack: who may send to the assignment queue', () => {
  const forgedUpdate = () =>
    JSON.stringify({
      ...thingEvent({ thingName: 'dev-1', operation: 'UPDATED', versionNumber: 99 }),
      attributes: { region: 'eu-west-1', site: 'plant-1', model: 'a', ring: 'canary' },
    });

  it('refuses an operator sending a forged $aws/events/thing/<name>/updated body, one or in a batch', async () => {
    const queue = stack.services.sqs.queue('AssignGroupsQueue');
    const sent = queue?.sent;
    const operator = new SQSClient({ ...stack.clientConfig('sqs'), credentials: as('alice') });
    const url = queue?.url as string;
    const single = await operator
      .send(new SendMessageCommand({ QueueUrl: url, MessageBody: forgedUpdate() }))
      .catch((e: Error) => e);
    expect((single as Error).name).toBe('AccessDenied');
    expect((single as Error).message).toMatch(
      /^User: arn:aws:iam::000000000000:user\/alice is not authorized to perform: sqs:SendMessage on resource: arn:aws:sqs:us-east-1:000000000000:AssignGroupsQueue with an explicit deny in a resource-based policy$/,
    );
    expect((single as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode).toBe(403);
    await expect(
      operator.send(
        new SendMessageBatchCommand({ QueueUrl: url, Entries: [{ Id: 'a', MessageBody: forgedUpdate() }] }),
      ),
    ).rejects.toMatchObject({ name: 'AccessDenied' });
    // A function's role is no better placed than an operator: only the IoT rule's role sends.
    const fn = new SQSClient({
      ...stack.clientConfig('sqs'),
      credentials: as('AssignGroupsIamRoleLambdaExecution'),
    });
    await expect(
      fn.send(new SendMessageCommand({ QueueUrl: url, MessageBody: forgedUpdate() })),
    ).rejects.toMatchObject({
      name: 'AccessDenied',
    });
    expect(queue?.sent).toBe(sent);
  });

  it("still takes the registry rule's deliveries, which it sends as the IoT rule's role", () => {
    const queue = stack.services.sqs.queue('AssignGroupsQueue');
    const sent = queue?.sent ?? 0;
    stack.router.publishMqtt('$aws/events/thing/dev-9/created', thingEvent({ thingName: 'dev-9' }));
    expect(queue?.sent).toBe(sent + 1);
    expect(stack.router.stats.ruleErrors).toBe(0);
  });
});
