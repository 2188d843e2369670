import { type GateInput, type GatePolicy, resolveGatePolicy } from '../../../shared/domain/gate';

export const T0 = 1_700_000_000_000;

/** p0 5%, 95% confidence, minFinished 10, bake 10 min, deadline 1 h, ask. */
export const POLICY: GatePolicy = resolveGatePolicy({ bakeSeconds: 600, deadlineSeconds: 3600 });

/**
 * A gate input: `running` started executions that have not reported, `queued` not started; targets
 * default to a stage too large to calibrate, so hand-computed figures are the plain sequence's.
 */
export function input(
  counts: {
    succeeded: number;
    failed: number;
    running?: number;
    targets?: number;
    excluded?: number;
    targetsOpen?: boolean;
  },
  elapsedSeconds = 1200,
): GateInput {
  const { succeeded, failed, running = 0, targets = 100_000, excluded = 0, targetsOpen = false } = counts;
  return {
    counts: { targets, started: succeeded + failed + running, succeeded, failed, excluded },
    targetsOpen,
    stageStartedAt: T0,
    now: T0 + elapsedSeconds * 1000,
  };
}

/** ln(B(1 + k, 19 + s) / B(1, 19)) for p0 = 5%, by exact products (independent of the code's logGamma). */
export function logMarginalP05(failed: number, succeeded: number): number {
  // B(1+k, 19+s) / B(1, 19) = 19 · k! · (18+s)! / (19+n)! = 19 · k! · Π(19..18+s) / Π(19..19+n)
  let log = Math.log(19);
  for (let i = 1; i <= failed; i++) log += Math.log(i);
  for (let i = 19; i <= 18 + succeeded; i++) log += Math.log(i);
  for (let i = 19; i <= 19 + failed + succeeded; i++) log -= Math.log(i);
  return log;
}
