import { describe, expect, it, vi } from 'vitest';
import { plannedStages } from '../../../shared/services/rollout-planned-stages';
import { created, rolloutWorld, twoStages, withRings } from '../../fakes/rollout-world';

async function world() {
  const w = rolloutWorld();
  withRings(w, 20);
  const a = await created(w, twoStages('fw-a'));
  const b = await created(w, twoStages('fw-b'));
  return { w, a, b, reads: vi.spyOn(w.store, 'getRollout') };
}

describe('plannedStages: a rollout’s stages, read once per container', () => {
  it('answers each stage of the plan, reading the rollout once', async () => {
    // Prepare
    const { w, a, reads } = await world();
    const planned = plannedStages(w.store);
    const plan = (await w.store.getRollout(a))?.plan;
    reads.mockClear();

    // Act
    const stages = [await planned(a, 0), await planned(a, 1), await planned(a, 0), await planned(a, 2)];

    // Assess
    expect(stages).toEqual([plan?.stages[0], plan?.stages[1], plan?.stages[0], undefined]);
    expect(reads).toHaveBeenCalledTimes(1);
  });

  it('reads again for a rollout that did not exist yet (a miss is not kept)', async () => {
    // Prepare
    const { w, reads } = await world();
    const planned = plannedStages(w.store);
    expect(await planned('fw-later', 0)).toBeUndefined();
    const later = await created(w, twoStages('fw-later'));

    // Act
    const stage = await planned(later, 0);

    // Assess
    expect(stage?.name).toBe('canary');
    expect(reads).toHaveBeenCalledTimes(2);
  });

  it('keeps at most `max` rollouts, forgetting the oldest first', async () => {
    // Prepare
    const { w, a, b, reads } = await world();
    const planned = plannedStages(w.store, 1);
    await planned(a, 0);
    await planned(b, 0);

    // Act
    await planned(b, 1);
    await planned(a, 0);

    // Assess
    expect(reads).toHaveBeenCalledTimes(3);
  });
});
