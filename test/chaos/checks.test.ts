import { describe, expect, it } from 'vitest';
import { duplicateEffects, rolloutsContinuedAfterStop, tunnelOverlaps } from '../../local/chaos/checks';

const tag = [{ key: 'managedBy', value: 'fleet-autopilot' }];
const tunnel = (id: string, thing: string, createdAt: number, closedAt?: number) => ({
  tunnelId: id,
  status: closedAt === undefined ? 'OPEN' : 'CLOSED',
  createdAt,
  lastUpdatedAt: closedAt ?? createdAt,
  maxLifetimeTimeoutMinutes: 60,
  tags: tag,
  destinationConfig: { thingName: thing },
});
const MIN = 60_000;

describe('chaos invariant checks', () => {
  it('counts the same group add, job or tunnel audited twice, and two tunnels within the cooldown', () => {
    const added = { pk: 'THING#t1', action: 'thing.groups.assigned', details: { added: ['g1'] } };
    const job = { pk: 'ROLLOUT#r', action: 'rollout.stage.started', details: { jobId: 'r-s0' } };
    const clean = duplicateEffects([added, job], [tunnel('a', 't1', 0, 5 * MIN)], 30 * MIN);
    expect(clean.total).toBe(0);
    const doubled = duplicateEffects(
      [added, added, job, job],
      [tunnel('a', 't1', 0, 5 * MIN), tunnel('b', 't1', 10 * MIN, 12 * MIN), tunnel('c', 't1', 50 * MIN)],
      30 * MIN,
    );
    expect(doubled.total).toBe(3);
    expect(doubled.detail).toBe('group adds 1, jobs 1, tunnel opens 0, tunnels within cooldown 1');
  });

  it('finds a thing with two tunnels open at once and the most open across the fleet', () => {
    const apart = tunnelOverlaps([tunnel('a', 't1', 0, MIN), tunnel('b', 't1', MIN, 2 * MIN)], 3 * MIN);
    expect(apart).toEqual({ opened: 2, thingsOverlapping: 0, maxOpen: 1 });
    const overlapping = tunnelOverlaps(
      [tunnel('a', 't1', 0, 5 * MIN), tunnel('b', 't1', MIN), tunnel('c', 't2', 2 * MIN)],
      3 * MIN,
    );
    expect(overlapping).toEqual({ opened: 3, thingsOverlapping: 1, maxOpen: 3 });
  });

  it('flags a job or stage started after the rollout was halted', () => {
    const halted = {
      pk: 'ROLLOUT#r',
      action: 'rollout.halted',
      at: 100,
      subject: { type: 'rollout', id: 'r' },
    };
    const before = { operation: 'CreateJob', input: { jobId: 'r-s0' }, at: 50 };
    const after = { operation: 'CreateJob', input: { jobId: 'r-s1' }, at: 150 };
    expect(rolloutsContinuedAfterStop([halted], [before]).count).toBe(0);
    expect(rolloutsContinuedAfterStop([halted], [before, after]).count).toBe(1);
    const stage = { pk: 'ROLLOUT#r', action: 'rollout.stage.started', at: 200, details: {} };
    expect(rolloutsContinuedAfterStop([halted, stage], []).count).toBe(1);
  });
});
