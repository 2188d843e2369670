import { type AuditRecord, buildAuditRecord } from '../../../shared/audit/audit-record';
import type { AlarmFacts } from '../../../shared/domain/tunnels/alarm-definition';
import type { Enrolment } from '../../../shared/domain/tunnels/enrolment';
import { parsePolicy } from '../../../shared/domain/tunnels/policy';
import { RECORD_STATUS, type TunnelRecord } from '../../../shared/domain/tunnels/tunnel-record';
import type { AuditWriter } from '../../../shared/services/effect-ports';
import type {
  AlarmDirectory,
  EnrolmentStore,
  OpenedTunnel,
  TunnelDeps,
  TunnelFacts,
  TunnelPort,
  TunnelStore,
} from '../../../shared/services/tunnel-ports';

/**
 * In-memory ports for the tunnel services, each with the rules of what it stands for: the store's
 * conditional writes, AWS's tunnel lifetimes and creation times, CloudWatch's alarm states, the
 * audit writer's one record per cause, action and subject.
 */
export class FakeTunnelStore implements TunnelStore {
  readonly records = new Map<string, TunnelRecord>();
  readonly slots = new Map<string, { claimId: string; until: number }>();

  async get(thing: string) {
    const r = this.records.get(thing);
    return r ? { ...r } : undefined;
  }
  async getMany(things: string[]) {
    return things.flatMap((t) => (this.records.has(t) ? [{ ...(this.records.get(t) as TunnelRecord) }] : []));
  }
  async claim(record: TunnelRecord, now: number) {
    const r = this.records.get(record.thingName);
    const free =
      !r ||
      ((r.status === RECORD_STATUS.CLOSED ||
        r.status === RECORD_STATUS.RELEASED ||
        r.lifetimeEndsAt <= now) &&
        r.nextAllowedAt <= now);
    if (free) this.records.set(record.thingName, { ...record });
    return free;
  }
  async markOpen(thing: string, claimId: string, opened: Parameters<TunnelStore['markOpen']>[2]) {
    const r = this.records.get(thing);
    if (r?.claimId !== claimId || (r.status !== RECORD_STATUS.OPENING && r.status !== RECORD_STATUS.OPEN))
      throw new Error(`tunnel record for ${thing} changed`);
    this.records.set(thing, { ...r, ...opened, status: RECORD_STATUS.OPEN });
  }
  async markAnnounced(thing: string, claimId: string) {
    const r = this.records.get(thing);
    if (r?.claimId === claimId) r.announced = true;
  }
  async release(thing: string, claimId: string, now: number) {
    const r = this.records.get(thing);
    if (r?.claimId === claimId && r.status === RECORD_STATUS.OPENING)
      this.records.set(thing, { ...r, status: RECORD_STATUS.RELEASED, nextAllowedAt: now });
  }
  async markClosed(thing: string, tunnelId: string, close: { at: number; by: string; cause: string }) {
    const r = this.records.get(thing);
    if (r?.tunnelId !== tunnelId || r.status !== RECORD_STATUS.OPEN) return false;
    this.records.set(thing, {
      ...r,
      status: RECORD_STATUS.CLOSED,
      closedAt: close.at,
      closedBy: close.by,
      closeCause: close.cause,
    });
    return true;
  }
  async reserveSlot(thing: string, claimId: string, until: number, max: number, now: number) {
    const others = [...this.slots].filter(([t, s]) => t !== thing && s.until > now).length;
    if (others >= max) return { ok: false as const, open: others };
    this.slots.set(thing, { claimId, until });
    return { ok: true as const };
  }
  async releaseSlot(thing: string, claimId: string) {
    if (this.slots.get(thing)?.claimId === claimId) this.slots.delete(thing);
  }
  async refreshSlot(thing: string, claimId: string, until: number) {
    if (this.slots.get(thing)?.claimId === claimId) this.slots.set(thing, { claimId, until });
  }
  async liveThings(now: number) {
    return [...this.slots].filter(([, s]) => s.until > now).map(([t]) => t);
  }
}

/** AWS IoT secure tunneling: tunnels keep the creation time of AWS's clock (`now`). */
export class FakeTunnels implements TunnelPort {
  readonly tunnels: (TunnelFacts & { lifetimeMinutes: number })[] = [];
  now = 0;
  async open(request: Parameters<TunnelPort['open']>[0]): Promise<OpenedTunnel> {
    const tunnelId = `t-${this.tunnels.length + 1}`;
    this.tunnels.push({
      tunnelId,
      tunnelArn: `arn:aws:iot:us-east-1:123456789012:tunnel/${tunnelId}`,
      status: 'OPEN',
      createdAt: this.now,
      thingName: request.thingName,
      tags: Object.fromEntries(request.tags.map((t) => [t.key, t.value])),
      lifetimeMinutes: request.lifetimeMinutes,
    });
    return {
      tunnelId,
      tunnelArn: `arn:aws:iot:us-east-1:123456789012:tunnel/${tunnelId}`,
      openedAt: this.now,
    };
  }
  async close(tunnelId: string) {
    const t = this.tunnels.find((x) => x.tunnelId === tunnelId);
    if (t) t.status = 'CLOSED';
  }
  async describe(tunnelId: string) {
    return this.tunnels.find((x) => x.tunnelId === tunnelId);
  }
  async findOpenedByClaim(thingName: string, claimId: string) {
    const t = this.tunnels.find(
      (x) => x.thingName === thingName && x.status === 'OPEN' && x.tags['fleet-autopilot:claim'] === claimId,
    );
    return t ? { tunnelId: t.tunnelId, tunnelArn: t.tunnelArn, openedAt: t.createdAt } : undefined;
  }
  async issueSourceToken() {
    return 'source-token';
  }
}

/** CloudWatch alarms: what DescribeAlarms and ListTagsForResource answer now. */
export class FakeAlarms implements AlarmDirectory {
  readonly alarms = new Map<string, AlarmFacts & { tags: Record<string, string> }>();
  described = 0;
  /** PutMetricAlarm: a single-metric alarm on the thing's dimension (redefines an existing one). */
  put(name: string, thing: string, o: { metricName?: string; tags?: Record<string, string> } = {}) {
    const known = this.alarms.get(name);
    this.alarms.set(name, {
      name,
      arn: `arn:aws:cloudwatch:us-east-1:123456789012:alarm:${name}`,
      definition: {
        type: 'metric',
        metrics: [
          {
            id: 'm1',
            namespace: 'Fleet',
            metricName: o.metricName ?? 'Temperature',
            dimensions: { ThingName: thing },
          },
        ],
      },
      state: known?.state ?? 'INSUFFICIENT_DATA',
      stateTransitionedAt: known?.stateTransitionedAt ?? 0,
      stateUpdatedAt: known?.stateUpdatedAt ?? 0,
      configUpdatedAt: 0,
      tags: o.tags ?? known?.tags ?? {},
    });
  }
  /** SetAlarmState (or an evaluation): a change of value moves the transition time. */
  set(name: string, state: AlarmFacts['state'], at: number) {
    const a = this.alarms.get(name);
    if (!a) throw new Error(`no alarm ${name}`);
    if (a.state !== state) a.stateTransitionedAt = at;
    a.state = state;
    a.stateUpdatedAt = at;
  }
  async describe(name: string) {
    this.described += 1;
    const a = this.alarms.get(name);
    if (!a) return undefined;
    const { tags: _tags, ...facts } = a;
    return structuredClone(facts);
  }
  async tags(arn: string) {
    return [...this.alarms.values()].find((a) => a.arn === arn)?.tags ?? {};
  }
}

export class FakeEnrolments implements EnrolmentStore {
  readonly items = new Map<string, Enrolment>();
  async get(name: string) {
    const e = this.items.get(name);
    return e ? structuredClone(e) : undefined;
  }
  async list() {
    return [...this.items.values()].map((e) => structuredClone(e));
  }
  async create(e: Enrolment) {
    if (this.items.get(e.alarmName)?.status === 'ACTIVE') return false;
    this.items.set(e.alarmName, structuredClone(e));
    return true;
  }
  async remove(name: string, enrolRequestId: string, r: { by: string; at: number; requestId: string }) {
    const e = this.items.get(name);
    if (e?.status !== 'ACTIVE' || e.enrolRequestId !== enrolRequestId) return false;
    this.items.set(name, {
      ...e,
      status: 'REMOVED',
      removedBy: r.by,
      removedAt: r.at,
      removeRequestId: r.requestId,
    });
    return true;
  }
}

/** Tunnel deps on fakes, with config/tunnel-policy.yml's values and a registry of things. */
export function fakeTunnelDeps(things: Record<string, string[]> = {}) {
  const audit: AuditRecord[] = [];
  let clock = 0;
  const writer: AuditWriter = async (input) => {
    const record = buildAuditRecord(input, 30, clock);
    if (audit.some((r) => r.pk === record.pk && r.id === record.id)) return { written: false, id: record.id };
    audit.push(record);
    return { written: true, id: record.id };
  };
  const deps = {
    policy: parsePolicy({
      version: 1,
      alarms: { namePrefix: 'fleet-tunnel-' },
      services: ['SSH'],
      maxLifetimeMinutes: 60,
      cooldownMinutes: 30,
      maxOpenTunnels: 10,
      thingGroups: { deny: ['no-remote-access'] },
    }),
    store: new FakeTunnelStore(),
    tunnels: new FakeTunnels(),
    things: async (name: string) =>
      name in things ? { exists: true, groups: things[name] ?? [] } : { exists: false, groups: [] },
    alarms: new FakeAlarms(),
    enrolments: new FakeEnrolments(),
    home: { account: '123456789012', region: 'us-east-1' },
    audit: writer,
    publish: async () => undefined,
    notify: async () => undefined,
    actor: 'function:alarm-tunnel',
  } satisfies TunnelDeps;
  return {
    deps,
    audit,
    /** The writer's clock (what `recordedAt` shows). */
    setClock: (t: number) => {
      clock = t;
    },
  };
}
