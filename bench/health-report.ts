import { pct, printTable, type Row as TableRow } from './common';
import type { HealthCell, RuleName, RuleRow } from './health-run';

/** Tables of `gate-quality --health`: ours (windows 10 and 30 min, and without health) beside the peers. */

const SIDE: [RuleName, string][] = [
  ['ours10', 'ours 10 min'],
  ['ours30', 'ours 30 min'],
  ['ours10EveryPrefix', 'ours 10 min every prefix'],
  ['ours30EveryPrefix', 'ours 30 min every prefix'],
  ['ours10WholeStage', 'ours 10 min before 126e09e (whole stage only)'],
  ['ours30WholeStage', 'ours 30 min before 126e09e'],
  ['oursNoHealth', 'ours no health'],
  ['awsBackstop', 'AWS backstop'],
  ['awsTuned', 'AWS tuned'],
  ['hawkbitTuned', 'hawkBit tuned'],
];
const HEADER = SIDE.map(([, label]) => label).join(' / ');

const each = (c: HealthCell, f: (r: RuleRow) => string) =>
  SIDE.map(([name]) => {
    const r = c.rules[name];
    return r ? f(r) : '–';
  }).join(' / ');
const minutes = (x: number | null) => (x === null ? '–' : String(Math.round(x)));

export function printHealthTables(cells: readonly HealthCell[]): void {
  const bad = cells.filter((c) => c.multiple >= 2);
  printTable(
    `Silent bricks, bad stages (rate ≥ 2 × p0): ${HEADER} (${cells[0]?.trials ?? 0} trials a cell)`,
    bad.map(
      (c): TableRow => ({
        size: c.size,
        p0: pct(c.p0, 0),
        'rate × p0': c.multiple,
        halted: each(c, (r) => pct(r.halted, 1)),
        promoted: each(c, (r) => pct(r.promoted, 1)),
        'started at the decision (mean)': each(c, (r) => String(Math.round(r.startedMean))),
        'minutes to the decision (mean)': each(c, (r) => String(Math.round(r.minutesMean))),
      }),
    ),
  );
  const good = cells.filter((c) => c.multiple <= 1);
  printTable(
    `Silent bricks, good stages (rate ≤ p0): ${HEADER}`,
    good.map(
      (c): TableRow => ({
        size: c.size,
        p0: pct(c.p0, 0),
        'rate × p0': c.multiple,
        'false halts': each(c, (r) => pct(r.halted, 1)),
        promoted: each(c, (r) => pct(r.promoted, 1)),
        'minutes to promote (mean)': each(c, (r) => minutes(r.minutesToPromote)),
        'extra minutes to promote, median (p90): 10 / 30 min': ['10 min', '30 min']
          .map((w) => {
            const x = c.waitCost[w];
            return x ? `${x.median.toFixed(1)} (${x.p90.toFixed(1)})` : '–';
          })
          .join(' / '),
      }),
    ),
  );
}
