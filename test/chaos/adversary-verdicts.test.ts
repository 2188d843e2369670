import { describe, expect, it } from 'vitest';
import type { Attempt } from '../../local/chaos/adversary';
import { type Evidence, judgeAttacks } from '../../local/chaos/adversary-verdicts';
import type { LocalStack } from '../../local/stack';

const B = 'chaos-bad-early-e0feb9c7';
const A = 'chaos-canary-early-da5b00bb';
const none: Evidence = {
  audit: [],
  calls: [{ operation: 'CreateJob', input: { jobId: `${B}-s0` }, at: 10 }],
  tunnels: [],
  views: new Map([
    [B, { status: 'HALTED', stages: [{ name: 'early', status: 'HALTED' }] }],
    [A, { status: 'COMPLETED', stages: [{ name: 'canary', status: 'PROMOTED' }] }],
  ]),
  misgrouped: new Set(),
};
const stack = {} as LocalStack;
const attempt = (a: Partial<Attempt> & Pick<Attempt, 'id'>): Attempt => ({
  title: a.id,
  at: 100,
  facts: {},
  ...a,
});
const judge = async (a: Attempt, e: Partial<Evidence> = {}) =>
  (await judgeAttacks(stack, [a], { ...none, ...e }))[0];

describe('adversary verdicts', () => {
  it('a refused forgery has no effect and says what refused it; a promoted stage is an effect', async () => {
    const forged = attempt({
      id: 'forged-outcomes',
      refused: '12 of 12 entries: AccessDeniedException: …',
      facts: { rolloutId: B, jobId: `${B}-s0`, ids: ['adversary-1'] },
    });
    expect(await judge(forged)).toMatchObject({
      ok: true,
      text: 'no effect; stopped by: 12 of 12 entries: AccessDeniedException: …',
    });
    const promoted = { pk: `ROLLOUT#${B}`, action: 'rollout.stage.promoted', details: { stageIndex: 0 } };
    const acted = {
      pk: `ROLLOUT#${B}`,
      action: 'rollout.gate.changed',
      outcome: 'applied',
      cause: { id: 'adversary-1' },
    };
    const verdict = await judge(
      { ...forged, refused: undefined, accepted: 'PutEvents accepted 12 of 12' },
      {
        audit: [promoted, acted],
      },
    );
    expect(verdict?.ok).toBe(false);
    expect(verdict?.text).toMatch(/^EFFECT: stage early PROMOTED; 1 audit records act on forged events/);
  });

  it('a restart that created a job after the halt is an effect; one that did nothing is not', async () => {
    const restart = attempt({
      id: 'restart-halted',
      accepted: 'StartExecution accepted',
      facts: { rolloutId: B },
    });
    expect(await judge(restart)).toMatchObject({ ok: true });
    const job = { operation: 'CreateJob', input: { jobId: `${B}-s1` }, at: 150 };
    expect(await judge(restart, { calls: [...none.calls, job] })).toMatchObject({
      ok: false,
      text: expect.stringMatching(/^EFFECT: jobs chaos-bad-early-e0feb9c7-s1 created after the halt/),
    });
  });

  it('a task token an operator can read is an effect, even when sending it changed nothing', async () => {
    const found = attempt({
      id: 'task-token',
      accepted: '2 task tokens read',
      facts: { rolloutId: A, found: 2 },
    });
    expect((await judge(found))?.text).toMatch(/^EFFECT: 2 task tokens readable by an operator/);
    const hidden = attempt({
      id: 'task-token',
      refused: 'no task token in what an operator can read',
      facts: { found: 0 },
    });
    expect(await judge(hidden)).toMatchObject({ ok: true });
  });

  it('an approval stored for a second session is an effect even if the call answered 409 (its token was gone)', async () => {
    const trick = attempt({
      id: 'second-session',
      refused: 'HTTP 409 RolloutConflictError: the approval expired before the decision arrived',
      facts: { rolloutId: A, principal: 'assumed-role:FleetOperator:alice-second-session' },
    });
    const decided = {
      pk: `ROLLOUT#${A}`,
      action: 'rollout.approval.decided',
      actor: 'arn:aws:sts::000000000000:assumed-role/FleetOperator/alice-second-session',
    };
    expect((await judge(trick, { audit: [decided] }))?.ok).toBe(false);
    const byBob = { ...decided, actor: 'arn:aws:iam::000000000000:user/bob' };
    expect(
      await judge({ ...trick, refused: 'HTTP 403 ForbiddenActionError' }, { audit: [byBob] }),
    ).toMatchObject({
      ok: true,
    });
  });

  it('an alarm nobody enrolled must open no tunnel; a forged registry event must move no thing', async () => {
    const alarm = attempt({
      id: 'unenrolled-alarm',
      accepted: 'SetAlarmState ALARM accepted',
      facts: { alarmName: 'fleet-tunnel-adversary-t9', thingName: 't9' },
    });
    const refusal = {
      pk: 'THING#t9',
      action: 'tunnel.open.refused',
      outcome: 'rejected',
      details: { alarmName: 'fleet-tunnel-adversary-t9', reason: 'not enrolled' },
    };
    expect((await judge(alarm, { audit: [refusal] }))?.text).toMatch(
      /no effect; .*held by: tunnel.open.refused rejected not enrolled/,
    );
    const tunnel = {
      tunnelId: 'x',
      status: 'OPEN',
      createdAt: 0,
      lastUpdatedAt: 0,
      maxLifetimeTimeoutMinutes: 60,
      destinationConfig: { thingName: 't9' },
    };
    expect((await judge(alarm, { tunnels: [tunnel] }))?.ok).toBe(false);
    const topic = attempt({
      id: 'reserved-topic',
      accepted: 'Publish accepted',
      facts: { thingName: 't7', eventId: 'adversary-topic' },
    });
    expect((await judge(topic, { misgrouped: new Set(['t7']) }))?.text).toMatch(/^EFFECT: t7 ends in groups/);
    expect((await judge({ ...topic, accepted: undefined, refused: 'ForbiddenException' }))?.ok).toBe(true);
  });

  it('an attack never tried, or that could not be carried out, fails: its guard went untested', async () => {
    expect(await judge({ id: 'self-approval', title: 'x', facts: {} })).toMatchObject({
      ok: false,
      text: 'not tried: its moment never came',
    });
    expect(await judge(attempt({ id: 'self-approval', failed: 'TypeError: boom' }))).toMatchObject({
      ok: false,
    });
  });
});
