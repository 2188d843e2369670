import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { VirtualFleet } from '../fleet/devices';
import { type Device, generateDevices } from '../fleet/population';
import type { LocalStack } from '../stack';
import { DeviceAlarms } from './alarms';
import { OperatorApi } from './operator-api';
import { type Progress, principalName } from './progress';
import { groupingSettled, provision } from './provision';
import type { Scenario, ScenarioStep } from './schema';

/** The principal that enrols the scenario's device alarms for tunnels. */
const TUNNEL_ADMIN = 'tunnel-admin';

export type StartedRollout = { ref: string; rolloutId: string; creator: string; plan: string };
type Decision = 'approve' | 'reject';
type Waiter = { ref: string; verdict: Decision; principal: string; comment: string; delay: number };

/**
 * Plays a scenario's timeline on the stack's virtual time: provisioning, rollouts through the
 * operator API (SigV4-signed as each principal), approvals when asked, alarms on CloudWatch.
 */
export class ScenarioRun {
  readonly devices: Device[];
  readonly fleet: VirtualFleet;
  readonly alarms: DeviceAlarms;
  readonly api: OperatorApi;
  readonly rollouts = new Map<string, StartedRollout>();
  readonly errors: string[] = [];
  readonly start: number;
  provisioned = 0;
  #waiters: Waiter[] = [];
  #shift = 0;
  readonly #unsubscribe: () => void;

  constructor(
    private readonly stack: LocalStack,
    private readonly scenario: Scenario,
    readonly progress: Progress,
    private readonly baseDir = process.cwd(),
  ) {
    this.start = stack.clock.now();
    this.devices = generateDevices(scenario);
    this.fleet = new VirtualFleet(stack, scenario.cohorts, scenario.seed, this.devices, scenario.rollback);
    this.api = new OperatorApi(stack.endpoints.api ?? '', stack.env.AWS_REGION ?? 'us-east-1', stack.fetch);
    // The scenario's alarms are enrolled by an admin principal before they first fire.
    this.alarms = new DeviceAlarms(stack, undefined, (alarm, thing) =>
      this.api.enrolAlarm(TUNNEL_ADMIN, alarm, thing),
    );
    this.#unsubscribe = stack.services.eventBridge.subscribe((bus, event) => {
      if (bus === 'default') return;
      progress.onEvent(event);
      if (event['detail-type'] === 'RolloutApprovalRequested') this.#onApprovalRequested(event.detail);
    });
  }

  /**
   * Plays the steps in file order, each `at` after the start but never before the previous one is
   * done; provisioning is done when grouping has settled, and its lateness shifts later steps.
   */
  schedule(): void {
    this.#next(0);
  }

  #next(i: number): void {
    const step = this.scenario.timeline[i];
    if (!step) return;
    const due = Math.max(this.start + step.at + this.#shift, this.stack.clock.now());
    this.stack.timeline.at(due, `scenario step ${i}`, async () => {
      await this.#guard(i, step);
      const next = this.scenario.timeline[i + 1];
      if ('provision' in step && next) {
        const late = this.stack.clock.now() - (this.start + next.at + this.#shift);
        if (late > 0) this.#shift += late;
      }
      this.#next(i + 1);
    });
  }

  /** The virtual time the last step is due. */
  get lastStepAt(): number {
    return this.start + this.#shift + Math.max(...this.scenario.timeline.map((s) => s.at));
  }

  /** Ends the scenario; `keepFleet` leaves the virtual devices answering jobs (for `--serve`). */
  stop(options: { keepFleet?: boolean } = {}): void {
    this.#unsubscribe();
    if (!options.keepFleet) this.fleet.stop();
    this.alarms.stop();
  }

  async #guard(i: number, step: ScenarioStep): Promise<void> {
    try {
      await this.#run(step);
    } catch (error) {
      const message = `timeline[${i}] failed: ${(error as Error).name}: ${(error as Error).message}`;
      this.errors.push(message);
      this.progress.log(message);
    }
  }

  async #run(step: ScenarioStep): Promise<void> {
    if ('provision' in step) {
      const { count, ratePerSecond } = step.provision;
      // A number provisions the next devices not provisioned yet, so a group can grow in waves.
      const devices =
        count === 'all' ? this.devices : this.devices.slice(this.provisioned, this.provisioned + count);
      this.progress.phase('provision');
      const r = await provision(this.stack, devices, ratePerSecond);
      this.provisioned += r.created;
      const secs = Math.round((r.finishedAt - r.startedAt) / 1000);
      this.progress.log(
        `provisioned ${r.created} things in ${secs} s (CreateThing via the IoT API)${r.failed ? `, ${r.failed} failed` : ''}`,
      );
      this.progress.phase('grouping');
      await groupingSettled(this.stack);
      const { groups, things } = this.stack.services.iot.state;
      const members = [...groups.values()].reduce((n, g) => n + g.things.length, 0);
      this.progress.log(`grouped ${things.size} things: ${groups.size} groups, ${members} memberships`);
      this.progress.phase('rollouts and alarms');
    } else if ('startRollout' in step) {
      const { ref, plan, principal } = step.startRollout;
      const response = await this.api.startRollout(principal, readFileSync(this.#resolve(plan), 'utf8'));
      if (response.status >= 300)
        throw new Error(`POST /rollouts → ${response.status} ${JSON.stringify(response.body)}`);
      const rolloutId = String(response.body.rolloutId);
      this.rollouts.set(ref, { ref, rolloutId, creator: principal, plan });
    } else if ('approve' in step || 'reject' in step) {
      const verdict: Decision = 'approve' in step ? 'approve' : 'reject';
      const d = 'approve' in step ? step.approve : step.reject;
      const waiter = { ref: d.rollout, verdict, principal: d.principal, comment: d.comment, delay: d.delay };
      if (d.when === 'pending' && !(await this.#hasPending(d.rollout, d.principal)))
        this.#waiters.push(waiter);
      else await this.#decide(waiter);
    } else if ('pause' in step || 'resume' in step || 'abort' in step || 'complete' in step) {
      const action =
        'pause' in step ? 'pause' : 'resume' in step ? 'resume' : 'abort' in step ? 'abort' : 'complete';
      const c =
        'pause' in step
          ? step.pause
          : 'resume' in step
            ? step.resume
            : 'abort' in step
              ? step.abort
              : step.complete;
      // A resume may carry a fixed document (a halted rollout goes on from its halted stage).
      const extra =
        'resume' in step
          ? {
              ...(step.resume.document ? { document: step.resume.document } : {}),
              ...(step.resume.documentSource ? { documentSource: step.resume.documentSource } : {}),
            }
          : {};
      const response = await this.api.act(c.principal, this.#id(c.rollout), action, c.comment, extra);
      this.progress.log(
        `${action} rollout ${c.rollout} by ${c.principal}${'document' in extra || 'documentSource' in extra ? ' with a new document' : ''}: HTTP ${response.status}${response.status >= 300 ? ` ${String(response.body.message ?? '')}` : ''}`,
      );
    } else if ('fireAlarm' in step) {
      const { thing, alarm, duplicateAfter } = step.fireAlarm;
      const name = await this.alarms.fire(thing, alarm);
      this.progress.log(`alarm ${name} → ALARM (thing ${thing})`);
      if (duplicateAfter !== undefined)
        this.stack.timeline.at(this.stack.clock.now() + duplicateAfter, `duplicate ${name}`, () => {
          if (this.alarms.redeliverLast(name))
            this.progress.log(`alarm ${name}: the same ALARM event delivered again`);
        });
    } else if ('fleetAlarm' in step) {
      const a = step.fleetAlarm;
      await this.alarms.createFleetAlarm(a);
      this.progress.log(
        `fleet alarm ${a.name}: ${a.statistic} of ${a.namespace}/${a.metric} ≥ ${a.threshold} per ${a.periodSeconds} s`,
      );
    } else if ('recoverAlarm' in step) {
      const name = await this.alarms.recover(step.recoverAlarm.thing, step.recoverAlarm.alarm);
      this.progress.log(`alarm ${name} → OK`);
    } else if (step.wait.label) this.progress.log(step.wait.label);
  }

  #resolve(file: string): string {
    const local = path.resolve(this.baseDir, file);
    return existsSync(local) ? local : path.resolve(file);
  }

  #id(ref: string): string {
    const started = this.rollouts.get(ref);
    if (!started) throw new Error(`rollout ${ref} has not been started`);
    return started.rolloutId;
  }

  async #hasPending(ref: string, principal: string): Promise<boolean> {
    const response = await this.api.rollout(principal, this.#id(ref));
    const stages = (response.body.stages ?? []) as { approvals?: { status?: string }[] }[];
    return stages.some((s) => (s.approvals ?? []).some((a) => a.status === 'PENDING'));
  }

  #onApprovalRequested(detail: unknown): void {
    const rolloutId = (detail as { rolloutId?: string }).rolloutId;
    const ref = [...this.rollouts.values()].find((r) => r.rolloutId === rolloutId)?.ref;
    // Every principal waiting on this rollout acts, each after its own delay.
    const due = this.#waiters.filter((w) => w.ref === ref);
    this.#waiters = this.#waiters.filter((w) => w.ref !== ref);
    for (const waiter of due)
      this.stack.timeline.at(this.stack.clock.now() + waiter.delay, `${waiter.verdict} ${ref}`, () =>
        this.#decide(waiter).catch((error: Error) => {
          this.errors.push(`${waiter.verdict} ${ref}: ${error.message}`);
        }),
      );
  }

  async #decide(w: Waiter): Promise<void> {
    const response = await this.api.act(w.principal, this.#id(w.ref), w.verdict, w.comment);
    if (response.status >= 300)
      this.progress.log(
        `${w.verdict} rollout ${w.ref} by ${principalName(w.principal)} refused: HTTP ${response.status} ${String(response.body.error ?? '')}`,
      );
  }
}
