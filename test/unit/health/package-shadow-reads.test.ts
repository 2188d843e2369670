import { describe, expect, it } from 'vitest';
import { PACKAGE_SETTLE_MS } from '../../../shared/domain/rollout/health-package';
import { assessHealth, MAX_CONFIRMATIONS } from '../../../shared/services/health-assess';
import { FakeExecutions, FakeHealthStore, FakePackages } from '../../fakes/health-store';
import { healthRollout, JOB_ID, MINUTE, packageVersionArn, ROLLOUT_ID, stageOf, T0 } from './fixture';

// In a stage that checks package versions every success is a suspect. A matching $package shadow (the
// usual case) is one read and must not use one of the DescribeJobExecution confirmations a look may
// make, or a stage of N devices would need N/100 Reconcile loops.
const FW = packageVersionArn('fw', '3.1.0');
const rollout = healthRollout({}, {}, { destinationPackageVersions: [FW] });
const AT = T0 + 5 * MINUTE;

describe('package version suspects and the confirmation cap', () => {
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
