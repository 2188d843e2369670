import type { EventEnvelope } from '../emulators/eventbridge/envelope';
import type { StepLine } from '../report/model';
import { formatVirtual } from './duration';

type Detail = Record<string, unknown>;
const pct = (x: unknown) => (typeof x === 'number' ? `${(x * 100).toFixed(1)}%` : '?');

/** Live progress: one concise line per step, stamped with virtual time, kept for the report. */
export class Progress {
  readonly lines: StepLine[] = [];
  readonly #names = new Map<string, string>();
  readonly #stages = new Map<string, string>();

  constructor(
    private readonly start: number,
    private readonly now: () => number,
    private readonly print: (line: string) => void = (line) => console.log(line),
  ) {}

  log(text: string, at = this.now()): void {
    this.lines.push({ at, text });
    this.print(`[${formatVirtual(at, this.start)}] ${text}`);
  }

  /** The project's domain events, as they land on the bus, in words. */
  onEvent(event: EventEnvelope): void {
    const d = (event.detail ?? {}) as Detail;
    const line = this.#describe(event['detail-type'], d);
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

  #describe(type: string, d: Detail): string | undefined {
    switch (type) {
      case 'RolloutCreated':
        this.#names.set(String(d.rolloutId), String(d.name));
        return `${this.#rollout(d)} created by ${principalName(d.creator)} (${d.rolloutId}, stages ${(d.stages as string[]).join(' → ')})`;
      case 'RolloutStageStarted':
        this.#stages.set(`${String(d.rolloutId)}#${String(d.stageIndex)}`, String(d.stage));
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
}

export function principalName(arn: unknown): string {
  return (
    String(arn ?? '?')
      .split('/')
      .pop() ?? '?'
  );
}

/** `PROMOTE (0/23 failed, upper bound 3.9% < 5%)` or `HALT (6/14 failed, lower bound 12.0% > 5%)`. */
export function gateLine(d: Detail): string {
  const e = (d.evidence ?? {}) as Detail;
  const counts = `${e.failed}/${e.finished} failed`;
  const p0 = pct(e.failureThreshold);
  if (d.outcome === 'HALT') return `HALT (${counts}, lower bound ${pct(e.lowerBound)} > ${p0})`;
  if (d.outcome === 'PROMOTE') {
    const upper = typeof e.upperBound === 'number' && e.upperBound < Number(e.failureThreshold);
    return `PROMOTE (${counts}, ${upper ? `upper bound ${pct(e.upperBound)} < ${p0}` : `${d.reason}`})`;
  }
  return `${d.outcome} (${counts}, ${d.reason})`;
}
