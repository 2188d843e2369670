import { describe, expect, it } from 'vitest';
import { PACKAGE_SETTLE_MS } from '../../../shared/domain/rollout/health-package';
import { assessHealth, MAX_CONFIRMATIONS } from '../../../shared/services/health-assess';
import { FakeExecutions, FakeHealthStore, FakePackages } from '../../fakes/health-store';
import { healthRollout, JOB_ID, MINUTE, packageVersionArn, ROLLOUT_ID, stageOf, T0 } from './fixture';

// Review h10 (hostile review of issue 17). In a stage that checks package versions EVERY success is a
// suspect, and each one, even a device whose $package shadow matches, uses one of the 100 confirmations
// a Reconcile may make; the rest are "unjudged" and Reconcile comes back in a second. A stage of N
// devices thus needs at least N/100 Reconcile visits (AwaitGate, Reconcile, RouteGate each): 100,000
// devices are 1,000 loops, ~12,000 history events, near Step Functions' 25,000-event execution limit
// for one stage (docs/rollouts.md "Costs" says transitions are independent of fleet size), and each
// visit re-reads every suspect of the stage. A matching shadow is the normal case and is one read: it
// should not count against the cap meant for DescribeJobExecution confirmations (or the cap should be
// sized by time, not count). EXPECTED TO FAIL until it does.
const FW = packageVersionArn('fw', '3.1.0');
const rollout = healthRollout({}, {}, { destinationPackageVersions: [FW] });
const AT = T0 + 5 * MINUTE;

describe('review h10: package version suspects and the confirmation cap', () => {
  it('judges 1,000 settled successes whose $package shadow matches in one look', async () => {
    const health = new FakeHealthStore();
    const packages = new FakePackages();
    for (let i = 0; i < 1000; i++) {
      const thingName = `t-${i}`;
      await health.putSuspect({
        rolloutId: ROLLOUT_ID,
        stageIndex: 0,
        thingName,
        jobId: JOB_ID,
        reason: 'package',
        succeededAt: AT,
        windowMs: PACKAGE_SETTLE_MS,
      });
      packages.report(thingName, { fw: '3.1.0' });
    }
    const deps = { health, executions: new FakeExecutions(), packages };

    const found = await assessHealth(deps, rollout, stageOf(1000), AT + PACKAGE_SETTLE_MS + MINUTE);

    expect(MAX_CONFIRMATIONS).toBe(100);
    expect(found).toMatchObject({ unhealthy: 0, unjudged: 0 });
  });
});
