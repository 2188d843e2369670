/** A side effect on AWS that the automation must have audited, named by a stable key. */
export type SideEffectKind =
  | 'group.add'
  | 'group.remove'
  | 'job.create'
  | 'job.cancel'
  | 'tunnel.open'
  | 'tunnel.close';
export type SideEffect = { kind: SideEffectKind; key: string };

/** The IoT operations checked, and how each names its effect. Others (CreateThing by operators,
 * CreateThingGroup, UpdateEventConfigurations at deploy) are not audited decisions. */
export const AUDITED_OPERATIONS = [
  'AddThingToThingGroup',
  'RemoveThingFromThingGroup',
  'CreateJob',
  'CancelJob',
] as const;

export type IotCallLike = { operation: string; input: Record<string, unknown> };
export type TunnelLike = {
  tunnelId: string;
  status: string;
  createdAt: number;
  lastUpdatedAt: number;
  maxLifetimeTimeoutMinutes: number;
  tags?: { key: string; value: string }[];
};
export type AuditRecordLike = {
  pk: string;
  action: string;
  outcome?: string;
  details?: Record<string, unknown>;
};

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];

export function effectsOfIotCalls(calls: readonly IotCallLike[]): SideEffect[] {
  return calls.flatMap((c): SideEffect[] => {
    const i = c.input;
    if (c.operation === 'AddThingToThingGroup')
      return [{ kind: 'group.add', key: `${str(i.thingName)}/${str(i.thingGroupName)}` }];
    if (c.operation === 'RemoveThingFromThingGroup')
      return [{ kind: 'group.remove', key: `${str(i.thingName)}/${str(i.thingGroupName)}` }];
    if (c.operation === 'CreateJob') return [{ kind: 'job.create', key: str(i.jobId) }];
    if (c.operation === 'CancelJob') return [{ kind: 'job.cancel', key: str(i.jobId) }];
    return [];
  });
}

/** Tunnels the automation manages: every one was opened; closed before its lifetime = a CloseTunnel. */
export function effectsOfTunnels(tunnels: readonly TunnelLike[]): SideEffect[] {
  return tunnels
    .filter((t) => t.tags?.some((tag) => tag.key === 'managedBy' && tag.value === 'fleet-autopilot'))
    .flatMap((t): SideEffect[] => {
      const open: SideEffect = { kind: 'tunnel.open', key: t.tunnelId };
      const expired = t.lastUpdatedAt >= t.createdAt + t.maxLifetimeTimeoutMinutes * 60_000;
      return t.status === 'CLOSED' && !expired ? [open, { kind: 'tunnel.close', key: t.tunnelId }] : [open];
    });
}

export function effectsOfAuditRecords(records: readonly AuditRecordLike[]): SideEffect[] {
  return records.flatMap((r): SideEffect[] => {
    const d = r.details ?? {};
    const thing = r.pk.replace(/^THING#/, '');
    switch (r.action) {
      case 'thing.groups.assigned':
        return [
          ...strings(d.added).map((g): SideEffect => ({ kind: 'group.add', key: `${thing}/${g}` })),
          ...strings(d.removed).map((g): SideEffect => ({ kind: 'group.remove', key: `${thing}/${g}` })),
        ];
      case 'rollout.stage.started':
        return [{ kind: 'job.create', key: str(d.jobId) }];
      case 'rollout.job.cancelled':
        return [{ kind: 'job.cancel', key: str(d.jobId) }];
      case 'tunnel.opened':
        return [{ kind: 'tunnel.open', key: str(d.tunnelId) }];
      case 'tunnel.closed':
        return [{ kind: 'tunnel.close', key: str(d.tunnelId) }];
      default:
        return [];
    }
  });
}

export type AuditVerification = {
  ok: boolean;
  checked: { effects: number; records: number };
  /** Side effects AWS saw with no audit record. */
  unaudited: SideEffect[];
  /** Audit records claiming a side effect AWS never saw. */
  unperformed: SideEffect[];
  /** Same effect, different counts (e.g. an idempotent call repeated by a retry): informational. */
  countDiffs: { effect: SideEffect; calls: number; records: number }[];
};

/**
 * The completeness check: every effect has its record and every record its effect. Adds and
 * removes that a limits refusal rolled back (a `skipped` record with `memberships`) net to nothing
 * and need no record. Pure.
 */
export function verifyAuditTrail(
  effects: readonly SideEffect[],
  records: readonly AuditRecordLike[],
): AuditVerification {
  const audited = effectsOfAuditRecords(records);
  const count = (list: readonly SideEffect[]) => {
    const m = new Map<string, number>();
    for (const e of list) m.set(`${e.kind} ${e.key}`, (m.get(`${e.kind} ${e.key}`) ?? 0) + 1);
    return m;
  };
  const calls = count(effects);
  const claimed = count(audited);
  const refusedThings = new Set(
    records
      .filter(
        (r) => r.action === 'thing.groups.assigned' && r.outcome === 'skipped' && r.details?.memberships,
      )
      .map((r) => r.pk.replace(/^THING#/, '')),
  );
  const parse = (id: string): SideEffect => {
    const [kind, ...rest] = id.split(' ');
    return { kind: kind as SideEffectKind, key: rest.join(' ') };
  };
  const rolledBack = (e: SideEffect) =>
    (e.kind === 'group.add' || e.kind === 'group.remove') &&
    refusedThings.has(e.key.split('/')[0] ?? '') &&
    calls.has(`group.add ${e.key}`) &&
    calls.has(`group.remove ${e.key}`);
  const unaudited = [...calls.keys()]
    .filter((k) => !claimed.has(k))
    .map(parse)
    .filter((e) => !rolledBack(e));
  const unperformed = [...claimed.keys()].filter((k) => !calls.has(k)).map(parse);
  const countDiffs = [...calls.entries()].flatMap(([k, n]) => {
    const m = claimed.get(k);
    return m !== undefined && m !== n ? [{ effect: parse(k), calls: n, records: m }] : [];
  });
  return {
    ok: unaudited.length === 0 && unperformed.length === 0,
    checked: { effects: effects.length, records: records.length },
    unaudited,
    unperformed,
    countDiffs,
  };
}
