import { pct, printTable, round, type Row as TableRow } from './common';
import type { GroupResult, Row, TunedPeer } from './gate-run';
import { PEER_NAMES, type PeerConfig, type PeerName, peerConfigs, peerGrid } from './peers';
import { MODEL_TEXT, type TimingModel } from './stage-sim';

/** Tables and target checks of gate-quality, one set per timing model. */

const ALPHA = 0.05;
export const PEER_LABEL: Record<PeerName, string> = {
  awsAbortConfig: 'AWS abortConfig',
  hawkbit: 'hawkBit',
  wilsonEveryEvent: 'Wilson every event',
};

export function describeConfig(c: PeerConfig): string {
  if (c.peer === 'awsAbortConfig') return `${c.thresholdBasisPoints / 100} %, min ${c.minExecuted}`;
  if (c.peer === 'hawkbit') return `error > ${c.errorBasisPoints / 100} %`;
  return `${round(c.confidence * 100, 3)} %, min ${c.minFinished}`;
}

const hpi = (r: Row) => `${pct(r.halted)} / ${pct(r.promoted)} / ${pct(r.inconclusive)}`;
const peerCell = (p: TunedPeer | null, i: number) => {
  const r = p?.rows[i];
  return r ? `${pct(r.halted)} / ${pct(r.promoted)} · ${Math.round(r.exposureMean)}` : 'none qualifies';
};

export function printModelTables(model: TimingModel, results: readonly GroupResult[]): void {
  if (results.length === 0) return;
  const rows: TableRow[] = results.flatMap((g) =>
    g.ours.map((r, i) => ({
      size: g.size,
      p0: pct(g.p0, 0),
      'rate × p0': r.multiple,
      'ours halt / promote / inconcl.': hpi(r),
      'started mean / p95': `${Math.round(r.startedMean)} / ${Math.round(r.startedP95)}`,
      'minutes mean / p95': `${Math.round(r.minutesMean)} / ${Math.round(r.minutesP95)}`,
      ...Object.fromEntries(
        PEER_NAMES.map((name) => [`${PEER_LABEL[name]} H / P · exposure`, peerCell(g.peers[name], i)]),
      ),
    })),
  );
  printTable(`Timing model '${model}': ${MODEL_TEXT[model]} (${results[0]?.trials} trials a cell)`, rows);
  printTable(
    `'${model}': each peer tuned to false halts at p0 ≤ ours, lowest exposure at 2 × p0 (false halts at p0 in brackets)`,
    results.map((g) => ({
      size: g.size,
      p0: pct(g.p0, 0),
      ours: pct(g.ours.find((r) => r.multiple === 1)?.halted ?? 0),
      'exact bound (any timing)': pct(g.exactFalseHaltBound),
      'exposure at 2 × p0: first failure reported / ours': `${Math.round(g.exposureFloorAt2x)} / ${Math.round(at(g, 2)?.exposureMean ?? 0)}`,
      ...Object.fromEntries(
        PEER_NAMES.map((name) => {
          const p = g.peers[name];
          return [
            PEER_LABEL[name],
            p ? `${describeConfig(p.config)} (${pct(p.falseHaltsAtP0)})` : 'none qualifies',
          ];
        }),
      ),
    })),
  );
}

const at = (g: GroupResult, multiple: number) => g.ours.find((r) => r.multiple === multiple);
const where = (g: GroupResult, multiple?: number) =>
  `${g.size}/${pct(g.p0, 0)}${multiple === undefined ? '' : `/${multiple}×`}`;

export type TargetRow = {
  model: TimingModel | 'every model';
  target: string;
  measured: string;
  result: string;
};

export function targetRows(model: TimingModel, results: readonly GroupResult[]): TargetRow[] {
  if (results.length === 0) return [];
  const trials = results[0]?.trials ?? 1;
  const noise = 2 * Math.sqrt((ALPHA * (1 - ALPHA)) / trials);
  const rows: TargetRow[] = [];
  // False halts at any true rate ≤ p0.
  let worst = { share: -1, at: '' };
  for (const g of results)
    for (const r of g.ours)
      if (r.multiple <= 1 && r.halted > worst.share) worst = { share: r.halted, at: where(g, r.multiple) };
  const bound = Math.max(...results.map((g) => g.exactFalseHaltBound));
  const over = results.filter((g) => g.ours.some((r) => r.multiple <= 1 && r.halted > ALPHA));
  rows.push({
    model,
    target: `false halts at rates ≤ p0 ≤ ${pct(ALPHA)}`,
    measured: `worst ${pct(worst.share)} (${worst.at}); exact bound for any timing ≤ ${pct(bound)}`,
    result:
      worst.share <= ALPHA
        ? 'pass'
        : worst.share <= ALPHA + noise && over.every((g) => g.exactFalseHaltBound <= ALPHA)
          ? `pass (over by sampling error: the exact bound is ≤ ${pct(ALPHA)})`
          : 'MISS',
  });
  // Wrong promotes at ≥ 1.5 × p0, stages ≥ 250.
  let wrong = { share: -1, at: '' };
  for (const g of results.filter((x) => x.size >= 250))
    for (const r of g.ours)
      if (r.multiple >= 1.5 && r.promoted > wrong.share)
        wrong = { share: r.promoted, at: where(g, r.multiple) };
  if (wrong.share >= 0) {
    rows.push({
      model,
      target: `wrong promotes at ≥ 1.5 × p0 ≤ ${pct(ALPHA)} (stages ≥ 250)`,
      measured: `worst ${pct(wrong.share)} (${wrong.at})`,
      result: wrong.share <= ALPHA ? 'pass' : 'MISS',
    });
  }
  // Power at 2 × p0, stages ≥ 1,000.
  const big = results.filter((g) => g.size >= 1000);
  if (big.length > 0) {
    const misses = big.filter((g) => (at(g, 2)?.halted ?? 0) < 0.99);
    const unreachable = misses.filter((g) => g.ceilingAt2x < 0.99);
    rows.push({
      model,
      target: '≥ 99 % halted at 2 × p0 (stages ≥ 1,000)',
      measured:
        big.map((g) => `${where(g)} ${pct(at(g, 2)?.halted ?? 0)}`).join(', ') +
        (misses.length
          ? `; ceiling for any rule: ${misses.map((g) => `${where(g)} ${pct(g.ceilingAt2x)}`).join(', ')}`
          : ''),
      result:
        misses.length === 0
          ? 'pass'
          : misses.length === unreachable.length
            ? `MISS where no rule can reach it (${unreachable.map((g) => where(g)).join(', ')})`
            : `MISS (${misses.map((g) => where(g)).join(', ')})`,
    });
  }
  // Exposure at 2 × p0 against every tuned peer.
  const above: string[] = [];
  const equal: string[] = [];
  let comparisons = 0;
  for (const g of results) {
    const mine = at(g, 2)?.exposureMean ?? Number.POSITIVE_INFINITY;
    for (const name of PEER_NAMES) {
      const theirs = g.peers[name]?.rows.find((r) => r.multiple === 2)?.exposureMean;
      if (theirs === undefined) continue;
      comparisons++;
      const text = `${where(g)} ${PEER_LABEL[name]} ${Math.round(theirs)} vs ours ${Math.round(mine)}`;
      if (mine > theirs) above.push(`${text} (floor ${Math.round(g.exposureFloorAt2x)})`);
      else if (mine === theirs) equal.push(where(g));
    }
  }
  const equalAt = [...new Set(equal)];
  rows.push({
    model,
    target: 'mean exposure at 2 × p0 below every peer tuned to false halts ≤ ours',
    measured:
      `below in ${comparisons - above.length - equal.length} of ${comparisons} comparisons` +
      (equal.length
        ? `; equal in ${equal.length} (${equalAt.join(', ')}: ours and the peer both exposed the whole stage)`
        : '') +
      (above.length ? `; above: ${above.join('; ')}` : ''),
    result: above.length + equal.length === 0 ? 'pass' : `MISS in ${above.length + equal.length}`,
  });
  printTable(`Targets, '${model}'`, rows);
  return rows;
}

export type CrossModelRow = {
  peer: PeerName;
  tunedOn: TimingModel;
  judgedUnder: TimingModel;
  worstFalseHalts: number;
  at: string;
};

/**
 * A peer is tuned with the timing model known; a fleet does not announce it. The configuration tuned
 * under one model, judged under another: its worst false-halt share at p0 over sizes and p0s.
 */
export function crossModel(results: readonly GroupResult[]): CrossModelRow[] {
  const rows: CrossModelRow[] = [];
  const models = [...new Set(results.map((g) => g.model))];
  for (const peer of PEER_NAMES) {
    for (const tunedOn of models) {
      for (const judgedUnder of models) {
        let worst = { worstFalseHalts: 0, at: '' };
        for (const g of results.filter((x) => x.model === tunedOn)) {
          const config = g.peers[peer]?.config;
          if (!config) continue;
          const index = peerConfigs(peerGrid(g.p0, g.size)).findIndex(
            (c) => JSON.stringify(c) === JSON.stringify(config),
          );
          const other = results.find((x) => x.model === judgedUnder && x.size === g.size && x.p0 === g.p0);
          const share = other?.configFalseHaltsAtP0[index] ?? 0;
          if (share > worst.worstFalseHalts) worst = { worstFalseHalts: share, at: where(g) };
        }
        rows.push({ peer, tunedOn, judgedUnder, ...worst });
      }
    }
  }
  printTable(
    'Peers tuned under one timing model, judged under another: worst false halts at p0 (size/p0)',
    PEER_NAMES.flatMap((peer) =>
      models.map((tunedOn) => ({
        peer: PEER_LABEL[peer],
        'tuned under': tunedOn,
        ...Object.fromEntries(
          rows
            .filter((r) => r.peer === peer && r.tunedOn === tunedOn)
            .map((r) => [r.judgedUnder, `${pct(r.worstFalseHalts)} (${r.at || '–'})`]),
        ),
      })),
    ),
  );
  return rows;
}

export type RobustPeerRow = {
  size: number;
  p0: number;
  peer: PeerName;
  /** The configuration, or null when none keeps false halts ≤ ours under every model. */
  config: PeerConfig | null;
  /** Its worst false-halt share at p0 over the timing models, and ours. */
  worstFalseHalts: number;
  oursWorstFalseHalts: number;
  /** Mean devices exposed at 2 × p0 under each model: ours, then the peer's. */
  exposure: { model: TimingModel; ours: number; peer: number }[];
};

/**
 * A fleet does not announce its timing model, and our rule keeps its false-halt promise under every
 * one. The fair peer is tuned the same way: one configuration per size and p0 whose false halts at p0
 * are no more than ours under every model; among those, the one with the lowest mean exposure at
 * 2 × p0 over the models. Compared with ours model by model.
 */
export function robustPeers(results: readonly GroupResult[]): { rows: RobustPeerRow[]; targets: TargetRow } {
  const models = [...new Set(results.map((g) => g.model))];
  const cells = [...new Set(results.map((g) => `${g.size}|${g.p0}`))].map((k) => k.split('|').map(Number));
  const rows: RobustPeerRow[] = [];
  for (const [size = 0, p0 = 0] of cells) {
    const groups = models.flatMap((m) =>
      results.filter((g) => g.model === m && g.size === size && g.p0 === p0),
    );
    if (groups.length !== models.length) continue;
    const oursWorst = Math.max(...groups.map((g) => at(g, 1)?.halted ?? 0));
    const configs = peerConfigs(peerGrid(p0, size));
    for (const peer of PEER_NAMES) {
      let best: { c: number; fh: number; mean: number } | undefined;
      configs.forEach((config, c) => {
        if (config.peer !== peer) return;
        const fh = Math.max(...groups.map((g) => g.configFalseHaltsAtP0[c] ?? 1));
        if (fh > oursWorst) return;
        const mean = groups.reduce((sum, g) => sum + (g.configExposureAt2x[c] ?? size), 0) / groups.length;
        if (!best || mean < best.mean || (mean === best.mean && fh > best.fh)) best = { c, fh, mean };
      });
      rows.push({
        size,
        p0,
        peer,
        config: best ? (configs[best.c] as PeerConfig) : null,
        worstFalseHalts: best?.fh ?? 0,
        oursWorstFalseHalts: oursWorst,
        exposure: groups.map((g) => ({
          model: g.model,
          ours: round(at(g, 2)?.exposureMean ?? 0, 1),
          peer: best ? (g.configExposureAt2x[best.c] ?? size) : size,
        })),
      });
    }
  }
  printTable(
    'Each peer tuned once for every timing model (false halts at p0 ≤ ours under all of them): mean devices exposed at 2 × p0, ours / peer',
    cells.map(([size = 0, p0 = 0]) => ({
      size,
      p0: pct(p0, 0),
      ...Object.fromEntries(
        PEER_NAMES.map((peer) => {
          const r = rows.find((x) => x.size === size && x.p0 === p0 && x.peer === peer);
          if (!r?.config) return [PEER_LABEL[peer], 'none qualifies'];
          const text = r.exposure.map((e) => `${Math.round(e.ours)}/${Math.round(e.peer)}`).join(' ');
          return [PEER_LABEL[peer], `${describeConfig(r.config)} (${pct(r.worstFalseHalts)}): ${text}`];
        }),
      ),
    })),
  );
  let below = 0;
  let equal = 0;
  const above: string[] = [];
  for (const r of rows.filter((x) => x.config))
    for (const e of r.exposure) {
      if (e.ours < e.peer) below++;
      else if (e.ours === e.peer) equal++;
      else
        above.push(
          `${r.size}/${pct(r.p0, 0)} ${e.model} ${PEER_LABEL[r.peer]} ${Math.round(e.peer)} vs ours ${Math.round(e.ours)}`,
        );
    }
  const total = below + equal + above.length;
  return {
    rows,
    targets: {
      model: 'independent',
      target:
        'mean exposure at 2 × p0 below every peer tuned once for all timing models to false halts ≤ ours',
      measured:
        `below in ${below} of ${total} comparisons (size × p0 × model × peer)` +
        (equal ? `; equal in ${equal} (both exposed the whole stage)` : '') +
        (above.length ? `; above: ${above.join('; ')}` : ''),
      result:
        above.length === 0
          ? equal === 0
            ? 'pass'
            : 'pass where any rule can expose fewer'
          : `MISS in ${above.length}`,
    },
  };
}
