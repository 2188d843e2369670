import { InvalidGatePolicyError } from './errors';
import { type GatePolicy, INCONCLUSIVE_ACTIONS } from './types';

export const DEFAULT_GATE_POLICY: GatePolicy = {
  failureThreshold: 0.05,
  confidence: 0.95,
  minFinished: 10,
  bakeSeconds: 1800,
  deadlineSeconds: 86_400,
  onInconclusive: 'ask',
};

/** Below this the mixing prior Beta(1, 1/p0 − 1) degenerates and no stage could ever promote. */
export const MIN_FAILURE_THRESHOLD = 0.0001;
/** A threshold above one in two is not a gate on an update. */
export const MAX_FAILURE_THRESHOLD = 0.5;

const KEYS = Object.keys(DEFAULT_GATE_POLICY) as (keyof GatePolicy)[];

/** Checks every field and throws one InvalidGatePolicyError listing all problems. */
export function validateGatePolicy(policy: GatePolicy): GatePolicy {
  const issues: string[] = [];
  const p = policy as Record<string, unknown>;
  for (const key of Object.keys(p)) {
    // A misspelt key would otherwise silently fall back to the default.
    if (!KEYS.includes(key as keyof GatePolicy)) issues.push(`unknown field '${key}'`);
  }
  const num = (key: keyof GatePolicy, ok: (v: number) => boolean, rule: string): void => {
    const v = p[key];
    if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v)) {
      issues.push(`${key} must be ${rule}, got ${JSON.stringify(v) ?? String(v)}`);
    }
  };
  num(
    'failureThreshold',
    (v) => v >= MIN_FAILURE_THRESHOLD && v <= MAX_FAILURE_THRESHOLD,
    `a number with ${MIN_FAILURE_THRESHOLD} <= failureThreshold <= ${MAX_FAILURE_THRESHOLD}`,
  );
  num('confidence', (v) => v >= 0.5 && v <= 0.9999, 'a number with 0.5 <= confidence <= 0.9999');
  num('minFinished', (v) => Number.isInteger(v) && v >= 1, 'an integer >= 1');
  num('bakeSeconds', (v) => v >= 0, 'a number of seconds >= 0');
  num('deadlineSeconds', (v) => v > 0, 'a number of seconds > 0');
  const { bakeSeconds, deadlineSeconds } = policy;
  if (Number.isFinite(bakeSeconds) && Number.isFinite(deadlineSeconds) && bakeSeconds > deadlineSeconds) {
    issues.push(`bakeSeconds (${bakeSeconds}) must not exceed deadlineSeconds (${deadlineSeconds})`);
  }
  if (!INCONCLUSIVE_ACTIONS.includes(policy.onInconclusive)) {
    issues.push(
      `onInconclusive must be one of ${INCONCLUSIVE_ACTIONS.join(', ')}, got ${JSON.stringify(p.onInconclusive)}`,
    );
  }
  if (issues.length > 0) throw new InvalidGatePolicyError(issues);
  return policy;
}

/** Fills the defaults for missing fields, then validates. */
export function resolveGatePolicy(input: Partial<GatePolicy> = {}): GatePolicy {
  const defined = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
  return validateGatePolicy({ ...DEFAULT_GATE_POLICY, ...defined });
}
