import type { EventEnvelope } from '../emulators/eventbridge/envelope';
import { evidenceLine, readDecision } from '../report/evidence';
import { duration, num } from '../report/format';
import { rollbackCountsOf } from '../report/health-model';
import { hoursMinutes, rollbackCountsText } from '../report/health-text';
import type { DecisionRecord, PhaseTime, StepLine } from '../report/model';
import { formatVirtual } from './duration';

type Detail = Record<string, unknown>;

/** What the live status shows besides virtual time and phase: counts, and a running total of events. */
export type StatusSnapshot = { counts: string[]; events: number };

/**
 * Live progress: one concise line per step, stamped with virtual time and kept for the report; a
 * status line whenever nothing else was printed for a while; the wall time of each phase.
 */
export class Progress {
  readonly lines: StepLine[] = [];
  readonly phases: PhaseTime[] = [];
  readonly #names = new Map<string, string>();
  readonly #stages = new Map<string, string>();
  readonly #jobs = new Map<string, string>();
  /** When each rollout's rollback started (virtual ms), for the duration its completion prints. */
  readonly #rollbacks = new Map<string, number>();
  #phase: { name: string; since: number } | undefined;
  #lastPrint = performance.now();

  constructor(
    private readonly start: number,
    private readonly now: () => number,
    private readonly print: (line: string) => void = (line) => console.log(line),
  ) {}

  log(text: string, at = this.now()): void {
    this.lines.push({ at, text });
    this.#emit(`[${formatVirtual(at, this.start)}] ${text}`);
  }

  #emit(line: string): void {
    this.#lastPrint = performance.now();
    this.print(line);
  }

  /** Ends the running phase and starts `name`; `since` (performance.now()) when it began before now. */
  phase(name: string, since = performance.now()): void {
    this.endPhase(since);
    this.#phase = { name, since };
  }

  /** Ends the running phase, recording its wall time; returns every phase so far. */
  endPhase(at = performance.now()): PhaseTime[] {
    const wallMs = this.#phase ? Math.round(at - this.#phase.since) : 0;
    // A phase the next one replaced at once (e.g. `scenario` when provisioning starts at 0 s) is noise.
    if (this.#phase && wallMs >= 5) this.phases.push({ name: this.#phase.name, wallMs });
    this.#phase = undefined;
    return this.phases;
  }

  /** `rollout firmware-2.5 stage fleet` for a job a rollout started, else the job id. */
  jobLabel(jobId: string): string {
    return this.#jobs.get(jobId) ?? `job ${jobId}`;
  }

  /**
   * Prints a status line (virtual time, phase and how long it has run, counts, events per second)
   * whenever nothing was printed for `quietMs` of real time. Returns a function that stops it.
   */
  startStatus(read: () => StatusSnapshot, quietMs = 2000): () => void {
    let last = { at: performance.now(), events: read().events };
    const timer = setInterval(
      () => {
        const at = performance.now();
        if (at - this.#lastPrint < quietMs) return;
        const snap = read();
        const rate = ((snap.events - last.events) * 1000) / Math.max(1, at - last.at);
        last = { at, events: snap.events };
        const phase = this.#phase ? `${this.#phase.name} (${duration(at - this.#phase.since)})` : 'running';
        this.#emit(
          `[${formatVirtual(this.now(), this.start)}] … ${[phase, ...snap.counts, `${Math.round(rate)} events/s`].join(' · ')}`,
        );
      },
      Math.max(100, Math.floor(quietMs / 4)),
    );
    timer.unref();
    return () => clearInterval(timer);
  }

  /** The project's domain events, as they land on the bus, in words. */
  onEvent(event: EventEnvelope): void {
    const d = (event.detail ?? {}) as Detail;
    const time = Date.parse(event.time);
    const line = this.#describe(event['detail-type'], d, Number.isFinite(time) ? time : this.now());
    if (line) this.log(line);
  }

  #rollout(d: Detail): string {
    const id = String(d.rolloutId ?? '?');
    return `rollout ${this.#names.get(id) ?? id}`;
  }

  #stage(d: Detail): string {
    const name = this.#stages.get(`${String(d.rolloutId)}#${String(d.stageIndex)}`);
    return `stage ${name ?? d.stageIndex ?? '?'}`;
  }

  /** `time`: when the event says it happened (a rollback's start and end, for how long it ran). */
  #describe(type: string, d: Detail, time: number): string | undefined {
    switch (type) {
      case 'RolloutCreated':
        this.#names.set(String(d.rolloutId), String(d.name));
        return `${this.#rollout(d)} created by ${principalName(d.creator)} (${d.rolloutId}, stages ${(d.stages as string[]).join(' → ')})`;
      case 'RolloutStageStarted':
        this.#stages.set(`${String(d.rolloutId)}#${String(d.stageIndex)}`, String(d.stage));
        this.#jobs.set(String(d.jobId), `${this.#rollout(d)} ${this.#stage(d)}`);
        return `${this.#rollout(d)} ${this.#stage(d)} started: job ${d.jobId} on ${d.things} things`;
      case 'RolloutGateChanged':
        return d.outcome === 'CONTINUE' ? undefined : `${this.#rollout(d)} ${this.#stage(d)}: ${gateLine(d)}`;
      case 'RolloutApprovalRequested':
        return `${this.#rollout(d)} ${this.#stage(d)}: approval requested (${d.kind})`;
      case 'RolloutApprovalDecided':
        return `${this.#rollout(d)} ${this.#stage(d)}: ${String(d.decision ?? d.status ?? 'decided')} by ${principalName(d.decidedBy ?? d.actor)}${d.comment ? ` ("${d.comment}")` : ''}`;
      case 'RolloutApprovalExpired':
        return `${this.#rollout(d)} ${this.#stage(d)}: approval expired`;
      case 'RolloutStagePromoted':
        return `${this.#rollout(d)} ${this.#stage(d)} promoted`;
      case 'RolloutJobCancelled':
        return `${this.#rollout(d)} ${this.#stage(d)}: job ${d.jobId} cancelled`;
      case 'RolloutHalted':
        return `${this.#rollout(d)} HALTED (${d.reason})`;
      case 'RolloutAborted':
        return `${this.#rollout(d)} aborted`;
      case 'RolloutCompleted':
        return `${this.#rollout(d)} completed: every stage promoted`;
      case 'RolloutFailed':
        return `${this.#rollout(d)} FAILED: ${String(d.error)} ${String(d.cause ?? '').slice(0, 300)}`;
      case 'RolloutRollbackStarted':
      case 'RolloutRollbackAttention':
      case 'RolloutRollbackCompleted':
      case 'RolloutRollbackFailed':
        return this.#rollback(type, d, time);
      case 'RolloutAlarmPaused':
      case 'RolloutAlarmHalting':
        return `${this.#rollout(d)} ${this.#stage(d)}: ${type === 'RolloutAlarmPaused' ? 'paused' : 'halting'} on a fleet alarm (${alarmText(d)})`;
      case 'TunnelOpened':
        return `tunnel ${d.tunnelId} opened to ${d.thingName} for alarm ${d.alarmName} (${d.lifetimeMinutes} min)`;
      case 'TunnelOpenRefused':
        return `tunnel to ${d.thingName ?? '?'} refused: ${d.code} (${d.reason})`;
      case 'TunnelClosed':
        return `tunnel ${d.tunnelId} to ${d.thingName} closed (${d.via ?? 'closed'})`;
      default:
        return undefined;
    }
  }

  /** The rollback's start, a call for attention, its end (counts and how long it ran) or its failure. */
  #rollback(type: string, d: Detail, time: number): string {
    const id = String(d.rolloutId);
    const who = `${this.#rollout(d)} rollback`;
    if (type === 'RolloutRollbackStarted') {
      this.#rollbacks.set(id, time);
      this.#jobs.set(String(d.jobId), who);
      const stages = ((d.stageIndexes ?? []) as unknown[])
        .map((i) => this.#stages.get(`${id}#${String(i)}`) ?? String(i))
        .join(', ');
      return `${who} started (${String(d.trigger ?? 'halt')}): job ${d.jobId} on ${num(Number(d.devices))} devices of stage${stages.includes(',') ? 's' : ''} ${stages}${leftOut(d)}`;
    }
    if (type === 'RolloutRollbackAttention')
      return `${who} needs attention: ${rollbackCountsText(rollbackCountsOf(d.counts))}${d.explanation ? ` (${String(d.explanation)})` : ''}`;
    if (type === 'RolloutRollbackFailed')
      return `${who} FAILED: ${String(d.error ?? '?')} ${String(d.cause ?? '').slice(0, 300)}`.trimEnd();
    const started = this.#rollbacks.get(id);
    const took = started === undefined ? '' : ` after ${hoursMinutes(time - started)}`;
    if (Number(d.devices) === 0)
      return `${who} completed${took}: nothing to roll back (${String(d.why ?? 'no device')})${leftOut(d)}`;
    return `${who} completed${took}: ${rollbackCountsText(rollbackCountsOf(d.counts))} of ${num(Number(d.devices))} devices${d.attention ? ' (needed attention)' : ''}`;
  }
}

/** `; 4 left out as gone (never came back), 1 not added` when there are any. */
function leftOut(d: Detail): string {
  const parts = [
    Number(d.excluded) > 0 ? `${num(Number(d.excluded))} left out as gone (never came back)` : '',
    Number(d.notAdded) > 0 ? `${num(Number(d.notAdded))} not added (refused by AWS IoT)` : '',
  ].filter(Boolean);
  return parts.length > 0 ? `; ${parts.join(', ')}` : '';
}

/** `in ALARM: cpu-high; not found: old-alarm`. */
function alarmText(d: Detail): string {
  const firing = ((d.firing ?? []) as { name?: unknown }[]).map((a) => String(a.name));
  const missing = ((d.missing ?? []) as unknown[]).map(String);
  return [
    firing.length > 0 ? `in ALARM: ${firing.join(', ')}` : '',
    missing.length > 0 ? `not found: ${missing.join(', ')}` : '',
  ]
    .filter(Boolean)
    .join('; ');
}

/** Awaits `work`, printing `… label (N s)` every `everyMs` of real time until it settles: a slow step is never silent. */
export async function whileSlow<T>(
  label: string,
  work: Promise<T>,
  everyMs = 3000,
  print: (line: string) => void = (line) => console.log(line),
): Promise<T> {
  const started = performance.now();
  const timer = setInterval(
    () => print(`… ${label} (${Math.round((performance.now() - started) / 1000)} s)`),
    everyMs,
  );
  try {
    return await work;
  } finally {
    clearInterval(timer);
  }
}

export function principalName(arn: unknown): string {
  return (
    String(arn ?? '?')
      .split('/')
      .pop() ?? '?'
  );
}

/**
 * The gate's decision with the evidence it was taken on, as the report words it:
 * `HALT: 12/105 failed (11.4%), lower bound 5.3% > 5.0% threshold (halt rule: …)`.
 */
export function gateLine(d: Detail): string {
  const ev = readDecision({ ...(d as DecisionRecord), outcome: String(d.outcome) });
  return ev ? evidenceLine(ev) : String(d.outcome);
}
