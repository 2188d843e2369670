import { evidenceLine, isDecided, stageEvidence } from '../report/evidence';
import { duration } from '../report/format';
import { healthSentence, rollbackLines } from '../report/health-text';
import type { RunReport } from '../report/model';
import { healthHaltText, whyText } from '../report/why';
import { formatVirtual } from './duration';

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => `  ${r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ')}`.trimEnd()).join('\n');
}

/** The end-of-run summary, as plain text tables. */
export function summaryText(report: RunReport): string {
  const out: string[] = [];
  const at = (ms: number) => formatVirtual(ms, report.startedAt);
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
    const rows = [['stage', 'decision', 'targets', 'ok', 'failed', 'rate', 'approvals']];
    const notes: string[][] = [];
    for (const s of r.stages) {
      const done = s.succeeded + s.failed;
      rows.push([
        s.name,
        s.decision,
        String(s.targets),
        String(s.succeeded),
        String(s.failed),
        done > 0 ? pct(s.failed / done) : '-',
        s.approvals.map((a) => `${a.decision}${a.by ? ` by ${a.by}` : ''}`).join(', ') || '-',
      ]);
      const { ev, recorded } = stageEvidence(s);
      const health = healthSentence(s, at);
      if (health) notes.push([`${s.name}: ${health}`]);
      if (!ev) continue;
      const label = !isDecided(ev) ? 'latest evaluation' : recorded ? 'at the decision' : 'last evaluation';
      // The gate's own explanation is already in the line's numbers; keep what a person acts on.
      const why = recorded ? whyText(ev).filter((w) => !w.startsWith('Gate: ')) : [];
      notes.push([`${s.name}, ${label}: ${evidenceLine(ev)}`, ...why, ...healthHaltText(s)]);
    }
    out.push(table(rows));
    for (const [line, ...why] of notes) {
      out.push(`  ${line}`);
      for (const w of why) out.push(`      ${w}`);
    }
    if (r.rollback) {
      const [head, ...rest] = rollbackLines(r.rollback, r.stages, at);
      out.push(`  ${head}`);
      for (const line of rest) out.push(`      ${line}`);
    }
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
  const phases = report.phases ?? [];
  if (phases.length > 0) {
    const total = phases.reduce((n, p) => n + p.wallMs, 0);
    out.push(
      `\nWall time by phase: ${phases.map((p) => `${p.name} ${duration(p.wallMs)}`).join(' · ')} (total ${duration(total)})`,
    );
  }
  return out.join('\n');
}
