import { isManagedBy } from '../managed-by';

/** A side effect on AWS that the automation must have audited, named by a stable key. */
export type SideEffectKind =
  | 'group.add'
  | 'group.remove'
  | 'job.create'
  | 'job.cancel'
  | 'tunnel.open'
  | 'tunnel.close';
export type SideEffect = { kind: SideEffectKind; key: string };

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

/** The IoT operations checked, and how each names its effect. Others (CreateThing by operators,
 * CreateThingGroup, UpdateEventConfigurations at deploy) are not audited decisions. */
const AUDITED_OPERATIONS = new Map<string, (input: Record<string, unknown>) => SideEffect>([
  [
    'AddThingToThingGroup',
    (i) => ({ kind: 'group.add', key: `${str(i.thingName)}/${str(i.thingGroupName)}` }),
  ],
  [
    'RemoveThingFromThingGroup',
    (i) => ({ kind: 'group.remove', key: `${str(i.thingName)}/${str(i.thingGroupName)}` }),
  ],
  ['CreateJob', (i) => ({ kind: 'job.create', key: str(i.jobId) })],
  ['CancelJob', (i) => ({ kind: 'job.cancel', key: str(i.jobId) })],
]);

export function effectsOfIotCalls(calls: readonly IotCallLike[]): SideEffect[] {
  return calls.flatMap((c) => {
    const effect = AUDITED_OPERATIONS.get(c.operation);
    return effect ? [effect(c.input)] : [];
  });
}

/** Tunnels the automation manages: every one was opened; closed before its lifetime = a CloseTunnel. */
export function effectsOfTunnels(tunnels: readonly TunnelLike[]): SideEffect[] {
  return tunnels
    .filter((t) => isManagedBy(t.tags))
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
      case 'rollout.rollback.started':
        return [{ kind: 'job.create', key: str(d.jobId) }];
      case 'thing.rollback.added':
        return [{ kind: 'group.add', key: `${thing}/${str(d.groupName)}` }];
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

/** A side effect with the time AWS did it: the call, or the tunnel's creation or close. */
export type TimedSideEffect = SideEffect & { at: number };
/** `at`: the cause's time; `recordedAt`: when the writer stored the record (absent on old records). */
export type TimedAuditRecord = AuditRecordLike & { at: number; recordedAt?: number };

export type TimeProblem = {
  effect: SideEffect;
  kind:
    | 'cause-after-effect'
    | 'written-before-effect'
    | 'effect-outside-cause-and-write'
    | 'undone-before-done';
  detail: string;
};

export type TimeOptions = {
  /** Tolerance for clocks of different resolution (event timestamps in seconds, say). */
  skewMs: number;
  /**
   * A record's write time on the effects' clock, or undefined when it cannot be compared (a writer
   * on another clock): then only the cause time is checked.
   */
  writtenAt?: (record: TimedAuditRecord) => number | undefined;
};

const iso = (ms: number) => (Number.isFinite(ms) ? new Date(ms).toISOString() : String(ms));
const UNDOES: Partial<Record<SideEffectKind, SideEffectKind>> = {
  'tunnel.close': 'tunnel.open',
  'job.cancel': 'job.create',
};

/**
 * The audit tells the truth about time. For every record and each effect it claims: the effect
 * happened no earlier than the record's cause (`at`) and no later than its write (`recordedAt`),
 * both within `skewMs`; and a record that undoes an effect (a tunnel closed, a job cancelled) does
 * not claim a cause before the record of the effect it undoes, so a subject's records sorted by
 * `at` never show a tunnel closed before it opened. Effects without records are the completeness
 * check's business (verifyAuditTrail). Pure.
 */
export function verifyAuditTimes(
  effects: readonly TimedSideEffect[],
  records: readonly TimedAuditRecord[],
  options: TimeOptions,
): { checked: number; writesChecked: number; problems: TimeProblem[] } {
  const times = new Map<string, number[]>();
  for (const e of effects)
    times.set(`${e.kind} ${e.key}`, [...(times.get(`${e.kind} ${e.key}`) ?? []), e.at]);
  const causes = new Map<string, number>();
  const problems: TimeProblem[] = [];
  let checked = 0;
  let writesChecked = 0;
  for (const record of records) {
    const written = options.writtenAt?.(record);
    for (const effect of effectsOfAuditRecords([record])) {
      const id = `${effect.kind} ${effect.key}`;
      causes.set(id, Math.min(causes.get(id) ?? Number.POSITIVE_INFINITY, record.at));
      const when = times.get(id);
      if (!when) continue;
      checked += 1;
      if (written !== undefined) writesChecked += 1;
      const lo = record.at - options.skewMs;
      const hi = written === undefined ? Number.POSITIVE_INFINITY : written + options.skewMs;
      if (when.some((t) => t >= lo && t <= hi)) continue;
      const seen = `effect at ${when.map(iso).join(', ')}`;
      if (!when.some((t) => t >= lo))
        problems.push({ effect, kind: 'cause-after-effect', detail: `cause ${iso(record.at)}, ${seen}` });
      else if (!when.some((t) => t <= hi))
        problems.push({
          effect,
          kind: 'written-before-effect',
          detail: `written ${iso(hi - options.skewMs)}, ${seen}`,
        });
      else
        problems.push({
          effect,
          kind: 'effect-outside-cause-and-write',
          detail: `cause ${iso(record.at)}, written ${iso(hi - options.skewMs)}, ${seen}`,
        });
    }
  }
  for (const [id, at] of causes) {
    const [kind = '', ...rest] = id.split(' ');
    const key = rest.join(' ');
    const undone = UNDOES[kind as SideEffectKind];
    const doneAt = undone ? causes.get(`${undone} ${key}`) : undefined;
    if (doneAt !== undefined && at < doneAt - options.skewMs)
      problems.push({
        effect: { kind: kind as SideEffectKind, key },
        kind: 'undone-before-done',
        detail: `${kind} recorded with cause ${iso(at)}, before its ${undone} (cause ${iso(doneAt)})`,
      });
  }
  return { checked, writesChecked, problems };
}
