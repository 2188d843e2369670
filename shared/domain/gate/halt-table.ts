import { sequentialTest } from './gate';
import { validateGatePolicy } from './policy';
import type { GatePolicy } from './types';

/**
 * The fewest failures among `finished` finished executions that make the gate HALT on the sequential
 * evidence, or null if none do; for a stage of `targets` (calibrated halt level) or of unknown size.
 */
export function failuresToHalt(policy: GatePolicy, finished: number, targets?: number): number | null {
  validateGatePolicy(policy);
  if (!Number.isInteger(finished) || finished < 1) return null;
  // Halting needs an observed rate above p0; the evidence then grows with every extra failure.
  for (let k = Math.floor(finished * policy.failureThreshold) + 1; k <= finished; k++) {
    if (sequentialTest(policy, k, finished, targets) === 'above') return k;
  }
  return null;
}

/** The fewest finished executions that, with `failed` failures among them, make the evidence say PROMOTE. */
export function finishedToPromote(policy: GatePolicy, failed: number, limit = 1_000_000): number | null {
  validateGatePolicy(policy);
  for (let n = Math.max(1, failed); n <= limit; n++) {
    if (sequentialTest(policy, failed, n) === 'below') return n;
  }
  return null;
}

/** Row: `failures` failures halt the stage while at most `maxFinished` executions have finished. */
export type HaltRow = { readonly failures: number; readonly maxFinished: number };

/** The halting rule as a table (docs, CLI), covering finished counts 1..upToFinished. */
export function haltTable(policy: GatePolicy, upToFinished: number, targets?: number): HaltRow[] {
  const rows: HaltRow[] = [];
  for (let n = 1; n <= upToFinished; n++) {
    const k = failuresToHalt(policy, n, targets);
    if (k === null) continue;
    const last = rows.at(-1);
    if (last?.failures === k && last.maxFinished === n - 1)
      rows[rows.length - 1] = { failures: k, maxFinished: n };
    else rows.push({ failures: k, maxFinished: n });
  }
  return rows;
}
