import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { seededRandom } from '../local/emulators/common/random';

/** Shared helpers of the benchmarks: machine facts, statistics, tables and the JSON result files. */

type Cell = string | number | boolean | null;
export type Row = Record<string, Cell>;

export function machine() {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? os.cpus()[0]?.model ?? 'unknown';
  return {
    nproc: os.availableParallelism(),
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    cpu: model.trim(),
    platform: `${os.platform()} ${os.release()}`,
    loadAverage: os.loadavg().map((x) => Math.round(x * 10) / 10),
  };
}

/** Quantile of an ascending array, linear interpolation. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo] ?? Number.NaN;
  const b = sorted[hi] ?? a;
  return a + (b - a) * (pos - lo);
}

export function summary(values: readonly number[]) {
  const s = [...values].sort((x, y) => x - y);
  const mean = s.reduce((t, v) => t + v, 0) / (s.length || 1);
  return { n: s.length, mean, median: quantile(s, 0.5), p10: quantile(s, 0.1), p90: quantile(s, 0.9) };
}

/** process.resourceUsage().maxRSS is in KiB. */
export const peakRssMiB = (): number => Math.round(process.resourceUsage().maxRSS / 1024);

export const round = (x: number, digits = 1): number => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};

export const pct = (x: number, digits = 1): string => `${(100 * x).toFixed(digits)}%`;

export const verdict = (ok: boolean): string => (ok ? 'pass' : 'MISS');

export function printTable(title: string, rows: readonly Row[]): void {
  console.log(`\n## ${title}\n`);
  const first = rows[0];
  if (!first) return void console.log('(no rows)');
  const keys = Object.keys(first);
  const text = (v: Cell | undefined) => (v === null || v === undefined ? '–' : String(v));
  const width = keys.map((k) => Math.max(k.length, ...rows.map((r) => text(r[k]).length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(width[i] ?? 0) : c.padStart(width[i] ?? 0))).join(' | ')} |`;
  console.log(line(keys));
  console.log(
    `|${width.map((w, i) => (i === 0 ? `${'-'.repeat(w + 1)}-` : `${'-'.repeat(w + 1)}:`)).join('|')}|`,
  );
  for (const r of rows) console.log(line(keys.map((k) => text(r[k]))));
}

/**
 * JSON for large result files: fractions rounded to `digits` decimals (6 keeps a Wilson confidence
 * such as 0.99999) and every object or array that holds no other one on a single line (a row a line).
 */
function compactJson(value: unknown, digits = 6): string {
  const f = 10 ** digits;
  const text = JSON.stringify(
    value,
    (_key, v) => (typeof v === 'number' && !Number.isInteger(v) ? Math.round(v * f) / f : v),
    2,
  );
  return text.replace(
    /([[{])\n\s+([^[\]{}]*?)\n\s*([\]}])/g,
    (_m, open: string, inner: string, close: string) =>
      `${open}${open === '{' ? ' ' : ''}${inner.replace(/\n\s+/g, ' ')}${open === '{' ? ' ' : ''}${close}`,
  );
}

/** Writes bench/results/NAME.json with the machine and the time of the run (`compact`: compactJson). */
export function writeResult(name: string, data: object, options: { compact?: boolean } = {}): string {
  const file = path.resolve('bench/results', `${name}.json`);
  mkdirSync(path.dirname(file), { recursive: true });
  const body = { benchmark: name, at: new Date().toISOString(), machine: machine(), ...data };
  writeFileSync(file, `${options.compact ? compactJson(body) : JSON.stringify(body, null, 2)}\n`);
  console.log(`\nwrote ${path.relative(process.cwd(), file)}`);
  return file;
}

/** `--key value` options after the benchmark name. */
export function option(key: string): string | undefined {
  const argv = process.argv.slice(2);
  const i = argv.indexOf(`--${key}`);
  return i >= 0 ? argv[i + 1] : undefined;
}

/** mulberry32: small, fast, seeded; the same seed gives every policy the same stages. */
export const mulberry32 = seededRandom;
