import type { RunReport } from '../report/model';

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => `  ${r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ')}`.trimEnd()).join('\n');
}

/** The end-of-run summary, as plain text tables. */
export function summaryText(report: RunReport): string {
  const out: string[] = [];
  const g = report.grouping;
  const memberships = g.membership.reduce((n, m) => n + m.members, 0);
  out.push(`\nGroups: ${g.groupsCreated} created, ${memberships} direct memberships over ${g.things} things`);
  out.push(
    table([
      ['group', 'parent', 'members'],
      ...g.membership.slice(0, 14).map((m) => [m.group, m.parent ?? '', String(m.members)]),
    ]),
  );
  if (g.membership.length > 14) out.push(`  ... ${g.membership.length - 14} more`);
  for (const r of report.rollouts) {
    out.push(`\nRollout ${r.name} (${r.id}): ${r.status}`);
    const rows = [['stage', 'decision', 'targets', 'ok', 'failed', 'rate', 'bounds', 'approvals']];
    for (const s of r.stages) {
      const last = s.series.at(-1);
      rows.push([
        s.name,
        s.reason ? `${s.decision} (${s.reason})` : s.decision,
        String(s.targets),
        String(s.succeeded),
        String(s.failed),
        last ? pct(last.failureRate) : '-',
        last ? `[${pct(last.lower)}, ${pct(last.upper)}] vs ${pct(last.threshold)}` : '-',
        s.approvals.map((a) => `${a.decision}${a.by ? ` by ${a.by}` : ''}`).join(', ') || '-',
      ]);
    }
    out.push(table(rows));
  }
  out.push(`\nTunnels: ${report.tunnels.length}`);
  if (report.tunnels.length > 0)
    out.push(
      table([
        ['thing', 'alarm', 'tunnel', 'outcome'],
        ...report.tunnels.map((t) => [t.thingName, t.alarmName, t.tunnelId ?? '-', t.outcome]),
      ]),
    );
  out.push(`\nAudit records: ${report.audit.total}`);
  out.push(
    table(
      Object.entries(report.audit.byAction)
        .sort((a, b) => b[1] - a[1])
        .map(([a, n]) => [a, String(n)]),
    ),
  );
  const d = report.delivery;
  out.push(
    `\nEvents: ${d.published} published, ${d.delivered} delivered, ${d.duplicated} duplicated, ${d.lost} lost, ${d.parked} parked`,
  );
  return out.join('\n');
}
