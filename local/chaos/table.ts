import type { ChaosResult } from './run';

/** One column per scenario; invariant rows end with PASS or FAIL. */
export function chaosTable(results: readonly ChaosResult[]): string {
  // Every row of every column, in first-seen order (only some runs have the adversary's rows).
  const names = [...new Set(results.flatMap((r) => r.rows.map((row) => row.name)))];
  const header = ['', ...results.map((r) => `${r.name} (seed ${r.seed}${r.adversary ? ', adversary' : ''})`)];
  const lines = names.map((name) => {
    const cells = results.map((r) => {
      const row = r.rows.find((x) => x.name === name);
      if (!row) return '';
      return row.ok === undefined ? row.value : `${row.value} ${row.ok ? 'PASS' : 'FAIL'}`;
    });
    return [name, ...cells];
  });
  lines.push(['wall time', ...results.map((r) => `${r.wallSeconds} s`)]);
  lines.push(['result', ...results.map((r) => (r.ok ? 'PASS' : 'FAIL'))]);
  const cell = (s: string) => s.replaceAll('|', '\\|');
  return [header, header.map(() => '---'), ...lines]
    .map((cells) => `| ${cells.map(cell).join(' | ')} |`)
    .join('\n');
}
