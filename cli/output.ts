import { line, type Out } from './io';

export type Column<T> = { header: string; value: (row: T) => string; max?: number };

/** A plain aligned table: readable in a terminal, stable enough to grep. */
export function printTable<T>(out: Out, rows: readonly T[], columns: readonly Column<T>[]): void {
  const cells = rows.map((r) => columns.map((c) => clip(c.value(r), c.max ?? 60)));
  const widths = columns.map((c, i) =>
    Math.max(c.header.length, ...cells.map((row) => (row[i] ?? '').length)),
  );
  const render = (values: string[]) =>
    values
      .map((v, i) => v.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  line(out, render(columns.map((c) => c.header.toUpperCase())));
  for (const row of cells) line(out, render(row));
}

export function printJson(out: Out, value: unknown): void {
  line(out, JSON.stringify(value, null, 2));
}

function clip(value: string, max: number): string {
  const flat = value.replace(/[\r\n\t]/g, ' ');
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

export const pct = (x: number | null | undefined) =>
  x === null || x === undefined ? '-' : `${(x * 100).toFixed(1)}%`;
export const orDash = (v: unknown) => (v === undefined || v === null || v === '' ? '-' : String(v));
