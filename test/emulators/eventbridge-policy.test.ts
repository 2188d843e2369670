import {
  CreateEventBusCommand,
  EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessControl } from '../../local/emulators/common/access-control';
import { VirtualClock } from '../../local/emulators/common/clock';
import { listen } from '../../local/emulators/common/http';
import { FaultInjector, RateLimiter } from '../../local/emulators/common/limits';
import { PrincipalDirectory } from '../../local/emulators/common/principals';
import { seededRandom } from '../../local/emulators/common/random';
import { createEventBridgeEmulator } from '../../local/emulators/eventbridge/emulator';

// PutEvents held to the bus policy per entry (its bus, events:source, events:detail-type): an entry
// an explicit deny refuses fails with ErrorCode AccessDeniedException and never reaches the bus.
const ACCOUNT = '000000000000';
const BUS_ARN = `arn:aws:events:us-east-1:${ACCOUNT}:event-bus/fleet`;
const clock = new VirtualClock(Date.UTC(2026, 0, 1));
const emulator = createEventBridgeEmulator({
  clock,
  limiter: new RateLimiter(clock, {}),
  faults: new FaultInjector(seededRandom(1)),
  accountId: ACCOUNT,
});
let server: Awaited<ReturnType<typeof listen>>;
const client = (accessKeyId: string) =>
  new EventBridgeClient({
    endpoint: server.url,
    region: 'us-east-1',
    credentials: { accessKeyId, secretAccessKey: 'x' },
    maxAttempts: 1,
  });
const entry = (over: Partial<PutEventsRequestEntry> = {}): PutEventsRequestEntry => ({
  EventBusName: 'fleet',
  Source: 'fleet-autopilot',
  DetailType: 'RolloutStageStarted',
  Detail: '{}',
  ...over,
});

beforeAll(async () => {
  server = await listen(emulator.handler);
  await client('setup').send(new CreateEventBusCommand({ Name: 'fleet' }));
  const access = new AccessControl(new PrincipalDirectory(ACCOUNT, ['Publisher']));
  const deny = (Condition: unknown) => ({
    Statement: [{ Effect: 'Deny', Principal: '*', Action: 'events:PutEvents', Resource: BUS_ARN, Condition }],
  });
  access.attach(
    BUS_ARN,
    deny({ ArnNotEquals: { 'aws:PrincipalArn': `arn:aws:iam::${ACCOUNT}:role/Publisher` } }),
  );
  access.attach(BUS_ARN, deny({ StringNotEquals: { 'events:source': 'fleet-autopilot' } }));
  emulator.useAccessControl(access);
});
afterAll(() => server.close());

describe('local EventBridge: bus policies', () => {
  it('accepts the named role putting the allowed source', async () => {
    const out = await client('Publisher').send(
      new PutEventsCommand({ Entries: [entry(), entry({ DetailType: 'X' })] }),
    );
    expect(out.FailedEntryCount).toBe(0);
    expect(emulator.archive('fleet')).toHaveLength(2);
  });

  it('fails only the entry a deny refuses (here: its source), and accepts the others', async () => {
    const before = emulator.archive('fleet').length;
    const out = await client('Publisher').send(
      new PutEventsCommand({
        Entries: [entry(), entry({ Source: 'my.app' }), entry({ DetailType: 'Y' })],
      }),
    );
    expect(out.FailedEntryCount).toBe(1);
    expect(out.Entries?.map((e) => e.ErrorCode)).toEqual([undefined, 'AccessDeniedException', undefined]);
    expect(out.Entries?.[1]?.ErrorMessage).toBe(
      `User: arn:aws:iam::${ACCOUNT}:role/Publisher is not authorized to perform: events:PutEvents on resource: ${BUS_ARN} with an explicit deny in a resource-based policy`,
    );
    expect(
      emulator
        .archive('fleet')
        .map((e) => e['detail-type'])
        .slice(before),
    ).toEqual(['RolloutStageStarted', 'Y']);
  });

  it('refuses every entry of any other principal, signed or not', async () => {
    const before = emulator.archive('fleet').length;
    const out = await client('alice').send(new PutEventsCommand({ Entries: [entry(), entry()] }));
    expect(out.FailedEntryCount).toBe(2);
    expect(out.Entries?.every((e) => e.ErrorCode === 'AccessDeniedException' && !e.EventId)).toBe(true);
    const unsigned = await fetch(server.url, {
      method: 'POST',
      headers: { 'x-amz-target': 'AWSEvents.PutEvents', 'content-type': 'application/x-amz-json-1.1' },
      body: JSON.stringify({ Entries: [entry()] }),
    });
    expect(unsigned.status).toBe(200);
    const body = (await unsigned.json()) as { FailedEntryCount: number; Entries: { ErrorMessage: string }[] };
    expect(body.FailedEntryCount).toBe(1);
    expect(body.Entries[0]?.ErrorMessage).toMatch(/^User: anonymous is not authorized/);
    expect(emulator.archive('fleet')).toHaveLength(before);
  });

  it('leaves a bus without a policy open, and a missing bus to its own per-entry error', async () => {
    const out = await client('alice').send(
      new PutEventsCommand({
        Entries: [entry({ EventBusName: 'default' }), entry({ EventBusName: 'missing' })],
      }),
    );
    expect(out.FailedEntryCount).toBe(1);
    expect(out.Entries?.[1]?.ErrorCode).toBe('ResourceNotFoundException');
  });
});
