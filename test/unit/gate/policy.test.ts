import { describe, expect, it } from 'vitest';
import {
  DEFAULT_GATE_POLICY,
  type GatePolicy,
  InvalidGatePolicyError,
  resolveGatePolicy,
  validateGatePolicy,
} from '../../../shared/domain/gate';

const issuesOf = (f: () => unknown): readonly string[] => {
  try {
    f();
  } catch (e) {
    if (e instanceof InvalidGatePolicyError) return e.issues;
    throw e;
  }
  throw new Error('expected InvalidGatePolicyError');
};

describe('gate policy', () => {
  it('fills defaults', () => {
    expect(resolveGatePolicy()).toEqual(DEFAULT_GATE_POLICY);
    expect(resolveGatePolicy({ failureThreshold: 0.02, bakeSeconds: undefined })).toEqual({
      ...DEFAULT_GATE_POLICY,
      failureThreshold: 0.02,
    });
  });

  it.each([
    [{ failureThreshold: 0 }, 'failureThreshold'],
    [{ failureThreshold: 1 }, 'failureThreshold'],
    [{ failureThreshold: Number.NaN }, 'failureThreshold'],
    [{ confidence: 0.4 }, 'confidence'],
    [{ confidence: 1 }, 'confidence'],
    [{ minFinished: 0 }, 'minFinished'],
    [{ minFinished: 2.5 }, 'minFinished'],
    [{ bakeSeconds: -1 }, 'bakeSeconds'],
    [{ bakeSeconds: 0, deadlineSeconds: 0 }, 'deadlineSeconds'],
    [{ bakeSeconds: 7200, deadlineSeconds: 3600 }, 'must not exceed deadlineSeconds'],
    [{ onInconclusive: 'retry' }, 'onInconclusive'],
    [{ failureTreshold: 0.1 }, "unknown field 'failureTreshold'"],
    [{ confidence: '0.95' }, 'confidence'],
  ])('rejects %j with a clear issue', (patch, fragment) => {
    const issues = issuesOf(() => resolveGatePolicy(patch as unknown as Partial<GatePolicy>));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toContain(fragment);
  });

  it('lists every problem at once, under a stable error name', () => {
    const bad = { ...DEFAULT_GATE_POLICY, failureThreshold: 2, minFinished: -3 };
    expect(() => validateGatePolicy(bad)).toThrow(
      expect.objectContaining({ name: 'InvalidGatePolicyError' }),
    );
    expect(issuesOf(() => validateGatePolicy(bad))).toHaveLength(2);
  });
});
