import { describe, expect, it } from 'vitest';
import {
  awsAbortConfigGate,
  fixedSampleWilsonGate,
  hawkbitThresholdGate,
  resolveGatePolicy,
} from '../../../shared/domain/gate';
import { input, POLICY } from './helpers';

describe('AWS IoT Jobs abortConfig (5%, minNumberOfExecutedThings = minFinished = 10)', () => {
  it('needs the minimum executed things, then aborts at >= thresholdPercentage', () => {
    expect(awsAbortConfigGate(POLICY, input({ succeeded: 0, failed: 9 })).outcome).toBe('CONTINUE');
    expect(awsAbortConfigGate(POLICY, input({ succeeded: 9, failed: 1 }))).toMatchObject({
      outcome: 'HALT',
      reason: 'ABORT_CRITERIA_MET',
    });
    expect(awsAbortConfigGate(POLICY, input({ succeeded: 19, failed: 1 })).outcome).toBe('HALT'); // exactly 5%
    expect(awsAbortConfigGate(POLICY, input({ succeeded: 20, failed: 1 })).outcome).toBe('CONTINUE');
  });

  it('passes the stage when the job completes without aborting', () => {
    const d = awsAbortConfigGate(POLICY, input({ succeeded: 29, failed: 1, targets: 30 }));
    expect(d).toMatchObject({ outcome: 'PROMOTE', reason: 'JOB_COMPLETED' });
    expect(d.evidence).toMatchObject({ method: 'aws-iot-jobs-abort-config', lowerBound: null });
  });
});

describe('hawkBit error threshold (5% of the whole group, strict >)', () => {
  it('halts on failure floor(0.05·100) + 1 = 6, however few have reported', () => {
    expect(hawkbitThresholdGate(POLICY, input({ succeeded: 0, failed: 5, targets: 100 })).outcome).toBe(
      'CONTINUE',
    );
    expect(hawkbitThresholdGate(POLICY, input({ succeeded: 0, failed: 6, targets: 100 }))).toMatchObject({
      outcome: 'HALT',
      reason: 'ERROR_THRESHOLD_EXCEEDED',
    });
  });

  it('promotes at 95% successes of the group; cancelled targets still count in the group', () => {
    expect(hawkbitThresholdGate(POLICY, input({ succeeded: 95, failed: 0, targets: 100 })).outcome).toBe(
      'PROMOTE',
    );
    const d = hawkbitThresholdGate(POLICY, input({ succeeded: 90, failed: 0, excluded: 10, targets: 100 }));
    expect(d).toMatchObject({ outcome: 'INCONCLUSIVE_AT_DEADLINE', trigger: 'STAGE_COMPLETE' });
  });
});

describe('fixed-sample Wilson interval, recomputed after every event', () => {
  it('halts at 2 of 10 (lower 0.057 > 0.05) and promotes from 0 of 73 (upper z²/(n+z²) < 0.05 ⇔ n > 19·z² = 72.99)', () => {
    expect(fixedSampleWilsonGate(POLICY, input({ succeeded: 8, failed: 2 })).outcome).toBe('HALT');
    expect(fixedSampleWilsonGate(POLICY, input({ succeeded: 9, failed: 1 })).outcome).toBe('CONTINUE');
    expect(fixedSampleWilsonGate(POLICY, input({ succeeded: 73, failed: 0 })).outcome).toBe('PROMOTE');
    expect(fixedSampleWilsonGate(POLICY, input({ succeeded: 72, failed: 0 })).outcome).toBe('CONTINUE');
  });

  it('shares the timing rules: no promote before the bake time', () => {
    const policy = resolveGatePolicy({ ...POLICY, bakeSeconds: 3000 });
    const d = fixedSampleWilsonGate(policy, input({ succeeded: 200, failed: 0 }, 100));
    expect(d).toMatchObject({ outcome: 'CONTINUE', reason: 'AWAITING_BAKE' });
  });
});
