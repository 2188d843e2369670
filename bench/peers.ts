import { normalQuantile } from '../shared/domain/gate/math';
import { HALT, NONE, PROMOTE, type VerdictAt } from './gate-sim';

/**
 * The peers' gate rules, as their documentation defines them, for the benchmark only. Each is a
 * verdict on the same looks as ours (stage-sim.ts) and runs under the same timing rules (judge in
 * gate-sim.ts: HALT at once, PROMOTE from the bake end with minFinished finished). Each has knobs,
 * which gate-quality.ts tunes per timing model, stage size and p0 over the grids below.
 */

/**
 * AWS IoT Jobs abortConfig with one criterion {failureType: ALL, action: CANCEL, thresholdPercentage,
 * minNumberOfExecutedThings}. AWS IoT Developer Guide, "Job configurations" (job abort configuration):
 * the job is cancelled when at least thresholdPercentage of the completed executions failed, once at
 * least minNumberOfExecutedThings have completed (AbortCriteria in the API Reference; two decimals).
 * AWS has no pass criterion: a job that completes without aborting passes the stage.
 */
export type AwsAbortConfig = { readonly thresholdBasisPoints: number; readonly minExecuted: number };

export const awsAbortVerdict =
  (c: AwsAbortConfig): VerdictAt =>
  (looks, j) => {
    const failed = looks.failed[j] as number;
    const finished = failed + (looks.succeeded[j] as number);
    if (finished >= c.minExecuted && failed * 10_000 >= c.thresholdBasisPoints * finished) return HALT;
    return j >= looks.settledIndex && looks.settledIndex >= 0 ? PROMOTE : NONE;
  };

/**
 * Eclipse hawkBit's rollout group conditions (hawkBit documentation, "Rollout Management": error
 * threshold and trigger/success threshold): the group errors when errors / group size > the error
 * threshold, and succeeds when finished / group size >= the success threshold. The group size is
 * every target of the group, reported or not (the job's targets here). Success threshold = 100 % −
 * error threshold. hawkBit reads whole percentages; the grid uses basis points, which only helps it.
 */
export type HawkbitThreshold = { readonly errorBasisPoints: number };

export const hawkbitVerdict =
  (c: HawkbitThreshold): VerdictAt =>
  (looks, j) => {
    const targets = looks.targets[j] as number;
    if ((looks.failed[j] as number) * 10_000 > c.errorBasisPoints * targets) return HALT;
    return (looks.succeeded[j] as number) * 10_000 >= (10_000 - c.errorBasisPoints) * targets
      ? PROMOTE
      : NONE;
  };

/** Wilson score interval for `failed` of `finished` at two-sided level `confidence`. */
export function wilsonInterval(failed: number, finished: number, confidence: number) {
  if (finished === 0) return { lower: 0, upper: 1 };
  const z = normalQuantile(1 - (1 - confidence) / 2);
  const p = failed / finished;
  const z2n = (z * z) / finished;
  const center = (p + z2n / 2) / (1 + z2n);
  const half = (z / (1 + z2n)) * Math.sqrt((p * (1 - p)) / finished + z2n / (4 * finished));
  return { lower: Math.max(0, center - half), upper: Math.min(1, center + half) };
}

/**
 * The naive rule: the fixed-sample Wilson score interval (E. B. Wilson, 1927) over the finished
 * executions, recomputed after every event as if each look were the only one: HALT when its lower
 * bound is above p0 (once `minFinished` have finished), PROMOTE when its upper bound is below p0.
 */
export type WilsonRule = { readonly confidence: number; readonly minFinished: number };

/** The fewest failures of n finished whose Wilson lower bound is above p0 (n + 1: none), and the most whose upper bound is below p0 (−1: none). */
export function wilsonTables(p0: number, confidence: number, maxSize: number) {
  const halt = new Int32Array(maxSize + 1);
  const promote = new Int32Array(maxSize + 1);
  halt[0] = 1;
  promote[0] = -1;
  for (let n = 1; n <= maxSize; n++) {
    let k = Math.floor(n * p0) + 1;
    while (k <= n && wilsonInterval(k, n, confidence).lower <= p0) k++;
    halt[n] = k;
    let m = Math.ceil(n * p0) - 1;
    while (m >= 0 && wilsonInterval(m, n, confidence).upper >= p0) m--;
    promote[n] = m;
  }
  return { halt, promote };
}

export const wilsonVerdict =
  (c: WilsonRule, tables: { halt: Int32Array; promote: Int32Array }): VerdictAt =>
  (looks, j) => {
    const failed = looks.failed[j] as number;
    const finished = failed + (looks.succeeded[j] as number);
    if (finished === 0) return NONE;
    if (finished >= c.minFinished && failed >= (tables.halt[finished] as number)) return HALT;
    return failed <= (tables.promote[finished] as number) ? PROMOTE : NONE;
  };

export type PeerName = 'awsAbortConfig' | 'hawkbit' | 'wilsonEveryEvent';
export const PEER_NAMES: readonly PeerName[] = ['awsAbortConfig', 'hawkbit', 'wilsonEveryEvent'];
export type PeerConfig =
  | ({ peer: 'awsAbortConfig' } & AwsAbortConfig)
  | ({ peer: 'hawkbit' } & HawkbitThreshold)
  | ({ peer: 'wilsonEveryEvent' } & WilsonRule);

const uniqueSorted = (xs: number[]): number[] => [...new Set(xs)].sort((a, b) => a - b);

/** Minimum counts searched (AWS minNumberOfExecutedThings, Wilson's minimum finished). */
const MIN_COUNTS = [
  1, 2, 3, 5, 7, 10, 15, 20, 30, 40, 50, 75, 100, 150, 200, 300, 500, 750, 1000, 1500, 2000, 3000, 5000,
];
const AWS_MULTIPLES = [1, 1.25, 1.5, 1.75, 2, 2.5, 3, 4, 5, 6, 8, 10, 15, 20];
const WILSON_CONFIDENCES = [0.8, 0.9, 0.95, 0.98, 0.99, 0.995, 0.998, 0.999, 0.9995, 0.9999, 0.99999];

/** The grid each peer is tuned over, for stages of `size` at threshold p0. */
export function peerGrid(p0: number, size: number) {
  const mins = MIN_COUNTS.filter((m) => m <= size);
  const aws = uniqueSorted(AWS_MULTIPLES.map((x) => Math.min(10_000, Math.round(x * p0 * 10_000))));
  // hawkBit halts on a failure count (errors > e·N): every count to 40, then 8 % apart.
  const counts: number[] = [];
  for (
    let c = 1;
    c <= Math.min(size, Math.ceil(4 * p0 * size) + 20);
    c = c < 40 ? c + 1 : Math.ceil(c * 1.08)
  ) {
    counts.push(c);
  }
  const hawkbit = uniqueSorted(counts.map((c) => Math.floor((10_000 * (c - 0.5)) / size)));
  return { awsThresholds: aws, mins, hawkbit, wilsonConfidences: WILSON_CONFIDENCES };
}
export type PeerGrid = ReturnType<typeof peerGrid>;

export function peerConfigs(grid: PeerGrid): PeerConfig[] {
  return [
    ...grid.awsThresholds.flatMap((t) =>
      grid.mins.map((m) => ({ peer: 'awsAbortConfig' as const, thresholdBasisPoints: t, minExecuted: m })),
    ),
    ...grid.hawkbit.map((e) => ({ peer: 'hawkbit' as const, errorBasisPoints: e })),
    ...grid.wilsonConfidences.flatMap((confidence) =>
      grid.mins.map((m) => ({ peer: 'wilsonEveryEvent' as const, confidence, minFinished: m })),
    ),
  ];
}
