import {
  effectsOfIotCalls,
  effectsOfTunnels,
  type IotCallLike,
  type TimedAuditRecord,
  type TimedSideEffect,
  type TunnelLike,
  verifyAuditTimes,
} from '../../shared/domain/audit-query/verify';

type JumpingClock = { now(): number; jumpTo(t: number): void; readonly speed: number };

/**
 * Maps the host's wall clock to the stack's virtual time. On the local stack the functions may
 * stamp `recordedAt` with the host's real clock (Date.now() in their worker threads) while every
 * cause time and effect is virtual. The stack's clock is linear in real time (`speed` virtual ms
 * per real ms) between jumps, which happen only while nothing runs; marking each jump (the
 * harness wraps `jumpTo` of its own stack's clock instance) makes a real write time comparable to
 * virtual effects, within `toleranceMs` (Date.now() is whole milliseconds, times `speed`).
 */
export class WallToVirtual {
  readonly #marks: { wall: number; virtual: number }[] = [];
  readonly #virtualStart: number;
  readonly #wallStart: number;

  constructor(private readonly clock: JumpingClock) {
    this.#virtualStart = clock.now();
    this.#wallStart = Date.now();
    this.#mark();
    const jump = clock.jumpTo.bind(clock);
    clock.jumpTo = (t: number) => {
      jump(t);
      this.#mark();
    };
  }

  get toleranceMs(): number {
    return Math.max(1000, 20 * this.clock.speed);
  }

  #mark(): void {
    this.#marks.push({ wall: Date.now(), virtual: this.clock.now() });
  }

  /**
   * A write time on the virtual clock: as is when it already is virtual (a stack whose workers read
   * the virtual clock), mapped when it is the host's real time during this run, else undefined.
   */
  toVirtual(recordedAt: number | undefined): { at: number; mapped: boolean } | undefined {
    if (recordedAt === undefined) return undefined;
    const hour = 3_600_000;
    if (recordedAt >= this.#virtualStart - hour && recordedAt <= this.clock.now() + hour)
      return { at: recordedAt, mapped: false };
    if (recordedAt < this.#wallStart - 1000 || recordedAt > Date.now() + 1000) return undefined;
    let mark = this.#marks[0];
    for (const m of this.#marks) if (m.wall <= recordedAt) mark = m;
    if (!mark) return undefined;
    return { at: mark.virtual + (recordedAt - mark.wall) * this.clock.speed, mapped: true };
  }
}

/** Every audited side effect the emulators saw, with the virtual time it happened. */
export function timedEffects(
  calls: readonly (IotCallLike & { at: number })[],
  tunnels: readonly TunnelLike[],
): TimedSideEffect[] {
  const fromCalls = calls.flatMap((c) => effectsOfIotCalls([c]).map((e) => ({ ...e, at: c.at })));
  const fromTunnels = tunnels.flatMap((t) =>
    effectsOfTunnels([t]).map((e) => ({
      ...e,
      at: e.kind === 'tunnel.open' ? t.createdAt : t.lastUpdatedAt,
    })),
  );
  return [...fromCalls, ...fromTunnels];
}

/** The time rows of the chaos table: cause time always, write time where it is comparable. */
export function auditTimeFigures(
  effects: readonly TimedSideEffect[],
  records: readonly TimedAuditRecord[],
  wall: WallToVirtual,
) {
  let mapped = 0;
  let virtual = 0;
  let incomparable = 0;
  const result = verifyAuditTimes(effects, records, {
    skewMs: wall.toleranceMs,
    writtenAt: (r) => {
      const w = wall.toVirtual(r.recordedAt);
      if (!w) incomparable += 1;
      else if (w.mapped) mapped += 1;
      else virtual += 1;
      return w?.at;
    },
  });
  const byKind = new Map<string, number>();
  for (const p of result.problems) byKind.set(p.kind, (byKind.get(p.kind) ?? 0) + 1);
  const clock =
    mapped > 0
      ? `write times on the host's clock, mapped to virtual time ±${wall.toleranceMs / 1000} s`
      : virtual > 0
        ? 'write times on the virtual clock'
        : 'no comparable write times';
  return {
    problems: result.problems,
    detail: `${result.checked} record effects, ${result.writesChecked} write times checked (${clock}${incomparable ? `, ${incomparable} records without one` : ''})${
      byKind.size ? `; ${[...byKind].map(([k, n]) => `${k} ${n}`).join(', ')}` : ''
    }`,
  };
}
