import {
  type AuditRecordLike,
  effectsOfAuditRecords,
  type IotCallLike,
  type TunnelLike,
} from '../../shared/domain/audit-query/verify';
import { isManagedBy } from '../../shared/domain/managed-by';

export type AuditItem = AuditRecordLike & {
  at?: number;
  recordedAt?: number;
  actor?: string;
  cause?: { type?: string; id?: string };
  subject?: { type?: string; id?: string };
};
export type TunnelItem = TunnelLike & { destinationConfig?: { thingName?: string } };
type TimedCall = IotCallLike & { at: number };

const managed = (t: TunnelItem) => isManagedBy(t.tags);

/** When a tunnel stopped being open: closed, or its lifetime ran out; still open → `now`. */
const endOf = (t: TunnelItem, now: number) =>
  t.status === 'CLOSED' ? t.lastUpdatedAt : Math.min(now, t.createdAt + t.maxLifetimeTimeoutMinutes * 60_000);

/**
 * Side effects done twice: the same group add, job or tunnel open audited more than once, or two
 * automated tunnels to one thing within the cooldown (one claim, two tunnels).
 */
export function duplicateEffects(
  audit: readonly AuditItem[],
  tunnels: readonly TunnelItem[],
  cooldownMs: number,
): { total: number; detail: string } {
  const counts = new Map<string, number>();
  for (const e of effectsOfAuditRecords(audit)) {
    if (e.kind !== 'group.add' && e.kind !== 'job.create' && e.kind !== 'tunnel.open') continue;
    counts.set(`${e.kind} ${e.key}`, (counts.get(`${e.kind} ${e.key}`) ?? 0) + 1);
  }
  const byKind = { 'group.add': 0, 'job.create': 0, 'tunnel.open': 0 } as Record<string, number>;
  for (const [key, n] of counts) {
    const kind = key.split(' ')[0] ?? '';
    if (n > 1) byKind[kind] = (byKind[kind] ?? 0) + n - 1;
  }
  let tunnelRepeats = 0;
  for (const list of byThing(tunnels).values())
    for (let i = 1; i < list.length; i++) {
      const [a, b] = [list[i - 1], list[i]];
      if (a && b && b.createdAt - a.createdAt < cooldownMs) tunnelRepeats += 1;
    }
  const total = Object.values(byKind).reduce((n, x) => n + x, 0) + tunnelRepeats;
  return {
    total,
    detail: `group adds ${byKind['group.add']}, jobs ${byKind['job.create']}, tunnel opens ${byKind['tunnel.open']}, tunnels within cooldown ${tunnelRepeats}`,
  };
}

function byThing(tunnels: readonly TunnelItem[]): Map<string, TunnelItem[]> {
  const map = new Map<string, TunnelItem[]>();
  for (const t of tunnels.filter(managed)) {
    const thing = t.destinationConfig?.thingName ?? '';
    map.set(thing, [...(map.get(thing) ?? []), t]);
  }
  for (const list of map.values()) list.sort((a, b) => a.createdAt - b.createdAt);
  return map;
}

/** Things that had two automated tunnels open at once, and the most tunnels open at any moment. */
export function tunnelOverlaps(tunnels: readonly TunnelItem[], now: number) {
  let thingsOverlapping = 0;
  for (const list of byThing(tunnels).values())
    if (list.some((t, i) => i > 0 && t.createdAt < endOf(list[i - 1] as TunnelItem, now)))
      thingsOverlapping += 1;
  // Closes sort before opens at the same instant: a tunnel replaced in the same millisecond is not two.
  const edges = tunnels
    .filter(managed)
    .flatMap((t) => [
      { at: t.createdAt, delta: 1 },
      { at: endOf(t, now), delta: -1 },
    ])
    .sort((a, b) => a.at - b.at || a.delta - b.delta);
  let open = 0;
  let maxOpen = 0;
  for (const e of edges) {
    open += e.delta;
    maxOpen = Math.max(maxOpen, open);
  }
  return { opened: tunnels.filter(managed).length, thingsOverlapping, maxOpen };
}

/** Jobs created or stages started for a rollout after it was halted or aborted. */
export function rolloutsContinuedAfterStop(audit: readonly AuditItem[], calls: readonly TimedCall[]) {
  const stops = audit.filter((a) => a.action === 'rollout.halted' || a.action === 'rollout.aborted');
  let count = 0;
  for (const stop of stops) {
    const id = stop.subject?.id ?? stop.pk.replace(/^ROLLOUT#/, '');
    const at = stop.at ?? 0;
    const jobs = calls.filter(
      (c) => c.operation === 'CreateJob' && String(c.input.jobId ?? '').startsWith(`${id}-s`) && c.at > at,
    );
    const stages = audit.filter(
      (a) => a.action === 'rollout.stage.started' && a.pk === stop.pk && (a.at ?? 0) > at,
    );
    if (jobs.length + stages.length > 0) count += 1;
  }
  return { count, detail: `${stops.length} rollouts halted or aborted` };
}
