import type { EventEnvelope } from '../emulators/eventbridge/envelope';
import { tunnelAlarmPrefix } from '../scenario/alarms';
import type { ScenarioRun } from '../scenario/runner';
import type { LocalStack } from '../stack';
import {
  forgedRegistryEvent,
  huntTaskTokens,
  publishReserved,
  putForgedOutcomes,
  raiseAlarm,
  sendTaskSuccess,
  sendToQueue,
  short,
  startExecution,
  why,
} from './adversary-attacks';
import type { AdversarySettings } from './schema';

/** An operator with ordinary permissions in the account (locally: as if PowerUserAccess). */
export const ADVERSARY = 'mallory';

export type AttackId =
  | 'forged-outcomes'
  | 'restart-halted'
  | 'task-token'
  | 'second-session'
  | 'self-approval'
  | 'unenrolled-alarm'
  | 'forged-queue-message'
  | 'reserved-topic';

/** One attack: when, what AWS (or the API) answered, and the facts its verdict needs. */
export type Attempt = {
  id: AttackId;
  title: string;
  at?: number;
  /** What the call answered when it refused, or undefined when it was accepted. */
  refused?: string;
  accepted?: string;
  /** The attack could not be carried out (not a refusal): a harness problem, shown as such. */
  failed?: string;
  facts: Record<string, unknown>;
};

const TITLES: Record<AttackId, string> = {
  'forged-outcomes': 'forged job outcomes on the bus (SUCCEEDED, 5 h ahead, for a failing stage)',
  'restart-halted': 'StartExecution for a HALTED rollout at stageIndex 1',
  'task-token': 'task tokens read from the tables and sent with SendTaskSuccess',
  'second-session': "approval by a second session of the creator's name",
  'self-approval': 'approval by the creator',
  'unenrolled-alarm': 'an alarm nobody enrolled (fleet-tunnel-*) set to ALARM',
  'forged-queue-message': 'a forged $aws/events/thing/…/updated sent to the assignment queue',
  'reserved-topic': 'a forged registry event published on a reserved $aws/ topic',
};

/**
 * The chaos run's adversary: the red team's attacks (issue 13), each at the moment it can hurt
 * most, as the principal an attacker would have. Each is expected to have no effect; what it
 * changed, or what stopped it, is judged after the run (adversary-verdicts.ts).
 */
export class Adversary {
  readonly attempts = new Map<AttackId, Attempt>();
  #bus: string | undefined;
  readonly #unsubscribe: () => void;

  /**
   * @param quiet things no scenario alarm or storm touches (any tunnel to them is the adversary's)
   */
  constructor(
    private readonly stack: LocalStack,
    private readonly run: ScenarioRun,
    private readonly settings: AdversarySettings,
    private readonly quiet: readonly string[],
  ) {
    for (const id of Object.keys(TITLES) as AttackId[])
      this.attempts.set(id, { id, title: TITLES[id], facts: {} });
    this.#unsubscribe = stack.services.eventBridge.subscribe((bus, event) => {
      if (event.source === 'fleet-autopilot') this.#bus ??= bus;
      this.#onEvent(event);
    });
    this.#at(run.start + settings.registryAt, ['forged-queue-message', 'reserved-topic'], () =>
      this.#registry(),
    );
    this.#at(run.start + settings.alarmAt, ['unenrolled-alarm'], () => this.#alarm());
  }

  stop(): void {
    this.#unsubscribe();
  }

  #id(ref: string): string | undefined {
    return this.run.rollouts.get(ref)?.rolloutId;
  }

  /** Runs an attack at `time`; whatever it throws is reported on the attack, never a crash. */
  #at(time: number, ids: AttackId[], attack: () => Promise<void>): void {
    this.stack.timeline.at(time, `adversary: ${ids.join(', ')}`, () =>
      attack().catch((error: Error) => {
        for (const id of ids) {
          const attempt = this.attempts.get(id) as Attempt;
          if (!attempt.refused && !attempt.accepted) attempt.failed = why(error);
        }
      }),
    );
  }

  #begin(id: AttackId, facts: Record<string, unknown> = {}): Attempt {
    const attempt = this.attempts.get(id) as Attempt;
    attempt.at = this.stack.clock.now();
    Object.assign(attempt.facts, facts);
    return attempt;
  }

  #onEvent(event: EventEnvelope): void {
    const d = (event.detail ?? {}) as Record<string, unknown>;
    const now = this.stack.clock.now();
    const failing = this.settings.failingRollout;
    const approval = this.settings.approvalRollout;
    if (event['detail-type'] === 'RolloutStageStarted' && d.stageIndex === 0 && typeof d.jobId === 'string') {
      const jobId = d.jobId;
      this.#at(now + 120_000, ['forged-outcomes'], async () => {
        if (this.#id(failing) === d.rolloutId && !this.attempts.get('forged-outcomes')?.at)
          await this.#forgeOutcomes(String(d.rolloutId), jobId);
      });
    }
    if (event['detail-type'] === 'RolloutHalted')
      this.#at(now + 60_000, ['restart-halted'], async () => {
        if (this.#id(failing) === d.rolloutId && !this.attempts.get('restart-halted')?.at)
          await this.#restart(String(d.rolloutId));
      });
    if (event['detail-type'] === 'RolloutApprovalRequested')
      // One after the other, so that each answer is its own: the creator, a second session of the
      // creator's name, then whatever task token an operator can read.
      this.#at(now + 10_000, ['self-approval', 'second-session', 'task-token'], async () => {
        if (this.#id(approval) !== d.rolloutId || this.attempts.get('self-approval')?.at) return;
        await this.#approve('self-approval', approval);
        await this.#approve('second-session', approval);
        await this.#stealTokens(String(d.rolloutId));
      });
  }

  async #forgeOutcomes(rolloutId: string, jobId: string): Promise<void> {
    const things = [...(this.stack.services.iot.state.jobs.get(jobId)?.executions.keys() ?? [])];
    const attempt = this.#begin('forged-outcomes', { rolloutId, jobId });
    if (!this.#bus) {
      attempt.failed = 'no project bus seen';
      return;
    }
    const out = await putForgedOutcomes(
      this.stack,
      ADVERSARY,
      this.#bus,
      { jobId, rolloutId, stageIndex: 0, things },
      this.stack.clock.now() + 5 * 3_600_000,
    );
    attempt.facts.ids = out.ids;
    if (out.refused.length === out.sent)
      attempt.refused = `${out.refused.length} of ${out.sent} entries: ${out.refused[0] ?? ''}`;
    else attempt.accepted = `PutEvents accepted ${out.sent - out.refused.length} of ${out.sent} entries`;
  }

  async #restart(rolloutId: string): Promise<void> {
    const name = `${rolloutId}-again`.slice(0, 80);
    const attempt = this.#begin('restart-halted', { rolloutId, executionName: name });
    const out = await startExecution(this.stack, ADVERSARY, name, { rolloutId, stageIndex: 1 });
    if (out.accepted) {
      attempt.accepted = out.detail;
      attempt.facts.executionArn = out.executionArn;
    } else attempt.refused = out.refusal;
  }

  async #approve(id: 'self-approval' | 'second-session', ref: string): Promise<void> {
    const started = this.run.rollouts.get(ref);
    if (!started) return;
    // A session name is the attacker's choice: the creator's name plus a suffix, in the creator's role.
    const key =
      id === 'self-approval'
        ? started.creator
        : `assumed-role:FleetOperator:${started.creator}-second-session`;
    const attempt = this.#begin(id, { rolloutId: started.rolloutId, principal: key });
    const r = await this.run.api.act(key, started.rolloutId, 'approve', `adversary: ${id}`);
    const text = short(`HTTP ${r.status} ${String(r.body.error ?? '')}: ${String(r.body.message ?? '')}`);
    if (r.status < 300) attempt.accepted = text;
    else attempt.refused = text;
  }

  async #stealTokens(rolloutId: string): Promise<void> {
    const attempt = this.#begin('task-token', { rolloutId });
    const hunt = await huntTaskTokens(this.stack, ADVERSARY, this.stack.services.sfn.issuedTokens());
    const sent: string[] = [];
    for (const token of hunt.found) {
      const r = await sendTaskSuccess(this.stack, ADVERSARY, token, {
        decision: 'approved',
        by: 'arn:aws:iam::000000000000:user/bob',
        comment: 'adversary',
      });
      sent.push(r.accepted ? 'accepted' : r.refusal);
    }
    Object.assign(attempt.facts, {
      readable: hunt.readable,
      refusedTables: hunt.refused,
      found: hunt.found.length,
      sendAccepted: sent.filter((s) => s === 'accepted').length,
    });
    const scanned = `${hunt.readable.length} tables readable${hunt.refused.length ? `, refused: ${hunt.refused.join(', ')}` : ''}`;
    if (hunt.found.length === 0) attempt.refused = `no task token in what an operator can read (${scanned})`;
    else
      attempt.accepted = `${hunt.found.length} task tokens read (${scanned}); SendTaskSuccess: ${sent.join(', ')}`;
  }

  async #alarm(): Promise<void> {
    if (this.#notYet(['unenrolled-alarm'], () => this.#alarm())) return;
    const thing = this.#quietThing();
    const alarmName = `${tunnelAlarmPrefix()}adversary-${thing}`;
    const attempt = this.#begin('unenrolled-alarm', { alarmName, thingName: thing });
    const recover = await raiseAlarm(this.stack, ADVERSARY, alarmName, thing);
    attempt.accepted = 'PutMetricAlarm and SetAlarmState ALARM accepted';
    this.#at(this.stack.clock.now() + 180_000, ['unenrolled-alarm'], async () => {
      await recover();
    });
  }

  async #registry(): Promise<void> {
    if (this.#notYet(['forged-queue-message', 'reserved-topic'], () => this.#registry())) return;
    const [first, second] = this.run.devices.slice(0, this.run.provisioned).slice(-2);
    if (!first || !second) return;
    const queued = forgedRegistryEvent(this.stack, first.thingName, 'adversary-queue', 99);
    const a = this.#begin('forged-queue-message', { thingName: first.thingName, eventId: 'adversary-queue' });
    const q = await sendToQueue(this.stack, ADVERSARY, 'AssignGroupsQueue', queued);
    if (q.accepted) a.accepted = 'SendMessage accepted';
    else a.refused = q.refusal;
    const topic = `$aws/events/thing/${second.thingName}/updated`;
    const published = forgedRegistryEvent(this.stack, second.thingName, 'adversary-topic', 98);
    const b = this.#begin('reserved-topic', {
      thingName: second.thingName,
      eventId: 'adversary-topic',
      topic,
    });
    const p = await publishReserved(this.stack, ADVERSARY, topic, published);
    if (p.accepted) b.accepted = 'Publish accepted';
    else b.refused = p.refusal;
  }

  /**
   * Until the first devices are provisioned (a slow start shifts the timeline), try again a minute
   * later, for at most a day: a run whose provisioning never ends must still end.
   */
  #notYet(ids: AttackId[], again: () => Promise<void>): boolean {
    if (this.run.provisioned > 0) return false;
    if (this.stack.clock.now() - this.run.start > 86_400_000) {
      for (const id of ids) (this.attempts.get(id) as Attempt).failed = 'no device was ever provisioned';
      return true;
    }
    this.#at(this.stack.clock.now() + 60_000, ids, again);
    return true;
  }

  /** A provisioned thing no scenario alarm or storm touches, so any tunnel to it is the adversary's. */
  #quietThing(): string {
    const quiet = new Set(this.quiet);
    const pool = this.run.devices.slice(0, this.run.provisioned).filter((d) => quiet.has(d.thingName));
    return pool[Math.floor(pool.length / 2)]?.thingName ?? this.quiet[0] ?? 'none';
  }
}
