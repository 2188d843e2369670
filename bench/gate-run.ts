import {
  calibrationHorizon,
  crossingProbability,
  type GatePolicy,
  resolveGatePolicy,
} from '../shared/domain/gate/index';
import { mulberry32, quantile } from './common';
import { type DecisionKind, HALT, judge, OursTables, PROMOTE, replayThroughEvaluateGate } from './gate-sim';
import { PeerScanner } from './peer-scan';
import {
  awsAbortVerdict,
  hawkbitVerdict,
  PEER_NAMES,
  type PeerConfig,
  type PeerName,
  wilsonTables,
  wilsonVerdict,
} from './peers';
import { powerCeiling } from './power-ceiling';
import { PrefixHalt } from './prefix-gate';
import {
  DEFAULT_STAGE,
  defaultRollout,
  emptyLog,
  MINUTE,
  StageSimulator,
  type StageSpec,
  type TimingModel,
} from './stage-sim';

/**
 * One group of cells: a timing model, a stage size and a p0, at every true rate. Every rule judges the
 * same simulated stages; the peers' grids are judged whole, then each peer is tuned on these stages.
 */
export const MULTIPLES = [0.5, 0.8, 1, 1.5, 2, 4] as const;

export type Group = { model: TimingModel; size: number; p0: number };
/** checkEvery[r]: replay every so many stages at MULTIPLES[r] through evaluateGate (0: none). */
export type RunOptions = { trials: number; seed: number; checkEvery: readonly number[] };

export type Row = {
  multiple: number;
  trials: number;
  halted: number;
  promoted: number;
  inconclusive: number;
  /** Devices started (exposed) when the decision was taken. */
  startedMean: number;
  startedP95: number;
  /** Exposure to the update: devices started at a halt, or every device that started when not halted. */
  exposureMean: number;
  minutesMean: number;
  minutesP95: number;
  /** Mean minutes to the halts, and to the promotes (null: none). */
  minutesToHalt: number | null;
  minutesToPromote: number | null;
};

export type TunedPeer = { config: PeerConfig; falseHaltsAtP0: number; eligible: number; rows: Row[] };

export type GroupResult = Group & {
  trials: number;
  ours: Row[];
  peers: Record<PeerName, TunedPeer | null>;
  /** False-halt share at p0 of every grid configuration, in peerConfigs(peerGrid(p0, size)) order. */
  configFalseHaltsAtP0: number[];
  /** Mean devices exposed at 2 × p0 of every grid configuration, in the same order. */
  configExposureAt2x: number[];
  /** P(HALT) at rate p0 can be no more than this, whatever the timing (exact, start-order sequence). */
  exactFalseHaltBound: number;
  /** The most any rule halts at 2 × p0 with false halts at p0 ≤ 1 − confidence (Neyman–Pearson). */
  ceilingAt2x: number;
  /**
   * Mean devices started when the first failure reported, at 2 × p0 (all that start when none did): no
   * rule that halts on reported failures can expose fewer; the rollout, not the rule, sets this floor.
   */
  exposureFloorAt2x: number;
  checks: { ours: number; oursMismatches: string[]; peers: number; peerMismatches: string[] };
};

export const policyFor = (p0: number): GatePolicy => resolveGatePolicy({ failureThreshold: p0 });

/** Per-trial outcomes of one rule (or configuration) at every rate: [rate][trial]. */
class Outcomes {
  readonly kind: Uint8Array;
  readonly exposed: Int32Array;
  readonly minutes: Float32Array;
  constructor(readonly trials: number) {
    const n = MULTIPLES.length * trials;
    this.kind = new Uint8Array(n);
    this.exposed = new Int32Array(n);
    this.minutes = new Float32Array(n);
  }
  row(r: number, everStarted: Int32Array): Row {
    const { trials } = this;
    const at = (i: number) => r * trials + i;
    let halted = 0;
    let promoted = 0;
    let exposure = 0;
    let haltMinutes = 0;
    let promoteMinutes = 0;
    const started: number[] = [];
    const minutes: number[] = [];
    for (let i = 0; i < trials; i++) {
      const k = this.kind[at(i)] as DecisionKind;
      if (k === HALT) {
        halted++;
        haltMinutes += this.minutes[at(i)] as number;
      }
      if (k === PROMOTE) {
        promoted++;
        promoteMinutes += this.minutes[at(i)] as number;
      }
      started.push(this.exposed[at(i)] as number);
      minutes.push(this.minutes[at(i)] as number);
      exposure += k === HALT ? (this.exposed[at(i)] as number) : (everStarted[at(i)] as number);
    }
    started.sort((a, b) => a - b);
    minutes.sort((a, b) => a - b);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    return {
      multiple: MULTIPLES[r] as number,
      trials,
      halted: halted / trials,
      promoted: promoted / trials,
      inconclusive: (trials - halted - promoted) / trials,
      startedMean: mean(started),
      startedP95: quantile(started, 0.95),
      exposureMean: exposure / trials,
      minutesMean: mean(minutes),
      minutesP95: quantile(minutes, 0.95),
      minutesToHalt: halted > 0 ? haltMinutes / halted : null,
      minutesToPromote: promoted > 0 ? promoteMinutes / promoted : null,
    };
  }
}

const seedOf = (o: RunOptions, g: Group, r: number, trial: number) =>
  (o.seed * 1_000_003 + ((g.size * 7 + Math.round(g.p0 * 1000)) * 13 + r) * 100_003 + trial * 7919) >>> 0;

const wilsonCache = new Map<string, ReturnType<typeof wilsonTables>>();

/** One configuration's own verdict (the slow path the scan is checked against). */
export function verdictOf(c: PeerConfig, p0: number, size: number) {
  if (c.peer === 'awsAbortConfig') return awsAbortVerdict(c);
  if (c.peer === 'hawkbit') return hawkbitVerdict(c);
  const key = `${p0}|${c.confidence}|${size}`;
  const tables = wilsonCache.get(key) ?? wilsonTables(p0, c.confidence, size);
  wilsonCache.set(key, tables);
  return wilsonVerdict(c, tables);
}

export function runGroup(g: Group, o: RunOptions): GroupResult {
  const policy = policyFor(g.p0);
  const spec = (rate: number): StageSpec => ({
    model: g.model,
    size: g.size,
    rate,
    ...DEFAULT_STAGE,
    rollout: defaultRollout(g.size),
  });
  const sim = new StageSimulator(g.size);
  const ours = new OursTables(policy, g.size, g.model === 'growing-group');
  // The production gate also halts on start-order prefixes (shared/domain/gate/prefix.ts), cut at its
  // reads of the job (every ≤ 30 s while events arrive); here every prefix is looked at: at most 30 s of
  // starts sooner than production.
  const oursWithPrefixes = new PrefixHalt(ours, g.size);
  const scanner = new PeerScanner(g.p0, g.size, policy.minFinished);
  const nConfigs = scanner.configs.length;
  const oursOut = new Outcomes(o.trials);
  const peerOut = Array.from({ length: nConfigs }, () => new Outcomes(o.trials));
  const everStarted = new Int32Array(MULTIPLES.length * o.trials);
  const checks: GroupResult['checks'] = { ours: 0, oursMismatches: [], peers: 0, peerMismatches: [] };
  const bakeMs = DEFAULT_STAGE.bakeMs;
  let floor = 0;

  MULTIPLES.forEach((multiple, r) => {
    for (let trial = 0; trial < o.trials; trial++) {
      const i = r * o.trials + trial;
      const every = o.checkEvery[r] ?? 0;
      const check = every > 0 && trial % every === 0;
      const log = check ? emptyLog() : undefined;
      const looks = sim.run(spec(multiple * g.p0), mulberry32(seedOf(o, g, r, trial)), log);
      everStarted[i] = looks.everStarted;
      if (multiple === 2) {
        let j = 0;
        while (j < looks.count && (looks.failedRank[j] as number) === 0) j++;
        floor += j < looks.count ? (looks.exposed[j] as number) : looks.everStarted;
      }
      const d = judge(looks, oursWithPrefixes.verdict, policy.minFinished, bakeMs);
      oursOut.kind[i] = d.kind;
      oursOut.exposed[i] = looks.exposed[d.look] as number;
      oursOut.minutes[i] = (looks.t[d.look] as number) / MINUTE;
      scanner.scan(looks);
      for (let c = 0; c < nConfigs; c++) {
        const out = peerOut[c] as Outcomes;
        const look = scanner.look[c] as number;
        out.kind[i] = scanner.kind[c] as number;
        out.exposed[i] = looks.exposed[look] as number;
        out.minutes[i] = (looks.t[look] as number) / MINUTE;
      }
      if (!log) continue;
      // The fast path against evaluateGate itself, a look after every event.
      checks.ours++;
      const slow = replayThroughEvaluateGate(
        policy,
        log,
        DEFAULT_STAGE.deadlineMs,
        g.model === 'growing-group',
      );
      // Checked on the whole-stage rule, which is what evaluateGate decides without prefixes.
      const whole = judge(looks, ours.verdict, policy.minFinished, bakeMs);
      const fast = { kind: whole.kind, t: looks.t[whole.look], exposed: looks.exposed[whole.look] };
      if (slow.kind !== fast.kind || slow.t !== fast.t || slow.exposed !== fast.exposed) {
        checks.oursMismatches.push(
          `${g.model} ${g.size} ${g.p0} ×${multiple} #${trial}: ${JSON.stringify({ slow, fast })}`,
        );
      }
      // The peers' one-pass scan against judge() with each sampled configuration's own verdict.
      for (let c = trial % 7; c < nConfigs; c += 23) {
        const config = scanner.configs[c] as PeerConfig;
        const one = judge(looks, verdictOf(config, g.p0, g.size), policy.minFinished, bakeMs);
        checks.peers++;
        if (one.kind !== scanner.kind[c] || one.look !== scanner.look[c]) {
          checks.peerMismatches.push(
            `${g.model} ${g.size} ${g.p0} ×${multiple} #${trial} ${JSON.stringify(config)}`,
          );
        }
      }
    }
  });

  const atP0 = MULTIPLES.indexOf(1);
  const at2 = MULTIPLES.indexOf(2);
  const oursRows = MULTIPLES.map((_, r) => oursOut.row(r, everStarted));
  const oursFalseHalts = oursRows[atP0]?.halted ?? 0;
  const peers = {} as Record<PeerName, TunedPeer | null>;
  for (const name of PEER_NAMES) {
    // Tuned: among the configurations that halt no more stages at p0 than ours, the one that exposes
    // the fewest devices at 2 × p0 (ties: the higher false-halt share).
    let best: { c: number; fh: number; exposure: number } | undefined;
    let eligible = 0;
    scanner.configs.forEach((config, c) => {
      if (config.peer !== name) return;
      const out = peerOut[c] as Outcomes;
      const fh = out.row(atP0, everStarted).halted;
      if (fh > oursFalseHalts) return;
      eligible++;
      const exposure = out.row(at2, everStarted).exposureMean;
      if (!best || exposure < best.exposure || (exposure === best.exposure && fh > best.fh))
        best = { c, fh, exposure };
    });
    peers[name] = best
      ? {
          config: scanner.configs[best.c] as PeerConfig,
          falseHaltsAtP0: best.fh,
          eligible,
          rows: MULTIPLES.map((_, r) => (peerOut[best?.c ?? 0] as Outcomes).row(r, everStarted)),
        }
      : null;
  }

  // Whatever the timing, a look halts only if the failures among the first `exposed` started reach the
  // boundary of the target count it shows, which is at least max(exposed, the count at the start):
  // the lowest such boundary bounds P(HALT) at p0 (exact, by crossingProbability).
  const lowest = new Int32Array(g.size + 1).fill(g.size + 1);
  const firstTargets = g.model === 'growing-group' ? Math.ceil(g.size / 5) : g.size;
  const largestWithHorizon = new Map<number, number>();
  for (let t = firstTargets; t <= g.size; t++) largestWithHorizon.set(calibrationHorizon(t, g.p0) ?? -1, t);
  for (const t of largestWithHorizon.values()) {
    const h = ours.haltFor(t);
    for (let n = 0; n <= t; n++) lowest[n] = Math.min(lowest[n] as number, h[n] as number);
  }
  const alpha = 1 - policy.confidence;
  const starters = g.model === 'never-start' ? Math.round(g.size * 0.9) : g.size;
  return {
    ...g,
    trials: o.trials,
    ours: oursRows,
    peers,
    configFalseHaltsAtP0: peerOut.map(
      (out) => Math.round(out.row(atP0, everStarted).halted * 10_000) / 10_000,
    ),
    configExposureAt2x: peerOut.map((out) => Math.round(out.row(at2, everStarted).exposureMean * 10) / 10),
    exactFalseHaltBound: crossingProbability(lowest, g.p0, g.size),
    ceilingAt2x: powerCeiling(starters, g.p0, 2 * g.p0, alpha),
    exposureFloorAt2x: floor / o.trials,
    checks,
  };
}
