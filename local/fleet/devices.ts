import {
  IoTJobsDataPlaneClient,
  type JobExecutionStatus,
  UpdateJobExecutionCommand,
} from '@aws-sdk/client-iot-jobs-data-plane';
import PQueue from 'p-queue';
import type { EventEnvelope } from '../emulators/eventbridge/envelope';
import { reportFirmware } from '../scenario/provision';
import type { Cohort, RollbackSettings } from '../scenario/schema';
import type { LocalStack } from '../stack';
import {
  DEFAULT_ROLLBACK,
  DEVICE_OUTCOMES,
  type DeviceOutcome,
  type Draw,
  drawExecution,
  REPORTS,
  rollbackCohort,
} from './cohorts';
import { DeviceHealth } from './health';
import { packagesBefore, reportOldVersions, WRONG_VERSION_REPORT_MS } from './package-report';
import type { Device } from './population';

export type FleetStats = {
  /** Executions of rollout stage jobs the devices took, and the outcome each drew. */
  executions: number;
  byOutcome: Record<DeviceOutcome, number>;
  /** Executions of rollback jobs the devices took (bricked devices take none), and those reported SUCCEEDED. */
  rollbackExecutions: number;
  rolledBack: number;
  /** CrashCount datapoints published by crashing devices. */
  crashReports: number;
  /** Device updates the data plane refused (e.g. the job was cancelled meanwhile). */
  refused: number;
  /** Device calls that failed after the SDK's retries (throttling, 5xx, network), tried again later. */
  callFailures: number;
  /** Device calls abandoned after {@link DEVICE_CALL_RETRIES} later tries: the device went quiet. */
  gaveUp: number;
};

/** Answers that will not change on a retry: the device's update is refused, not failed. */
const REFUSALS = new Set([
  'InvalidStateTransitionException',
  'ResourceNotFoundException',
  'InvalidRequestException',
]);
/** A device whose call fails (after the SDK's own retries) tries again later, this many times. */
const DEVICE_CALL_RETRIES = 4;
const RETRY_AFTER_MS = 30_000;

type Exec = { thingName: string; executionNumber: number; status: string; inProgressDeadline?: number };

/**
 * Device calls in flight at once, each on its own socket. A big stage makes hundreds of devices
 * answer in the same moment; past this they wait here (`waiting`) instead of piling up in the
 * SDK's agent, whose default 50 sockets then queued over a thousand requests and warned. A device
 * that has started reports its outcome first: queued behind other devices' starts, its outcome
 * would arrive after the job's in-progress timeout whenever the stack falls behind.
 */
export const DEVICE_CALLS_IN_FLIGHT = 48;

/**
 * Virtual devices on virtual time. Nothing polls on a timer: when a rollout stage starts (its
 * domain event on the project bus), the fleet looks at the job's executions and schedules each
 * targeted device's answer at its drawn latency; a device then talks to the jobs data plane over
 * HTTP like a real one (IN_PROGRESS, then its outcome, or silence until the in-progress timeout).
 */
export class VirtualFleet {
  readonly stats: FleetStats = {
    executions: 0,
    byOutcome: Object.fromEntries(DEVICE_OUTCOMES.map((o) => [o, 0])) as Record<DeviceOutcome, number>,
    rollbackExecutions: 0,
    rolledBack: 0,
    crashReports: 0,
    refused: 0,
    callFailures: 0,
    gaveUp: 0,
  };
  readonly #devices = new Map<string, Device>();
  readonly #scheduled = new Set<string>();
  readonly #rolloutNames = new Map<string, string>();
  readonly #jobRollouts = new Map<string, string>();
  readonly #rollbackJobs = new Set<string>();
  /** What a `wrongVersion` device's `$package` shadow reported before its job, by `<jobId>/<thing>`. */
  readonly #versionsBefore = new Map<string, Record<string, string | null>>();
  readonly #client: IoTJobsDataPlaneClient;
  readonly #calls = new PQueue({ concurrency: DEVICE_CALLS_IN_FLIGHT });
  readonly #unsubscribe: () => void;
  readonly #unsubscribeNotify: () => void;
  readonly #health: DeviceHealth;

  constructor(
    private readonly stack: LocalStack,
    private readonly cohorts: readonly Cohort[],
    private readonly seed: number,
    devices: readonly Device[] = [],
    private readonly rollback: RollbackSettings = DEFAULT_ROLLBACK,
  ) {
    for (const d of devices) this.#devices.set(d.thingName, d);
    this.#health = new DeviceHealth(stack, this.#calls, this.stats);
    this.#client = new IoTJobsDataPlaneClient(stack.clientConfig('iotJobsData', { maxAttempts: 8 }));
    this.#unsubscribe = stack.services.eventBridge.subscribe((_bus, event) => this.#onEvent(event));
    // A continuous job reaches a device that joins its group at once (jobs notify-next), not in a window.
    this.#unsubscribeNotify = stack.services.iot.subscribeDevices((topic, payload) =>
      this.#onNotify(topic, payload),
    );
  }

  /** Device calls waiting for one of the {@link DEVICE_CALLS_IN_FLIGHT} slots. */
  get waiting(): number {
    return this.#calls.size;
  }

  stop(): void {
    this.#unsubscribe();
    this.#unsubscribeNotify();
  }

  /** notify-next for a job the fleet already follows (others are scheduled when their stage starts). */
  #onNotify(topic: string, payload: Record<string, unknown>): void {
    const thingName = /^\$aws\/things\/([^/]+)\/jobs\/notify-next$/.exec(topic)?.[1];
    const jobId = (payload.execution as { jobId?: unknown } | undefined)?.jobId;
    if (!thingName || typeof jobId !== 'string' || !this.#jobRollouts.has(jobId)) return;
    const exec = this.stack.services.iot.state.jobs.get(jobId)?.executions.get(thingName);
    if (exec)
      this.stack.timeline.at(this.stack.clock.now(), `fleet: ${thingName} notified`, () =>
        this.#schedule(jobId, exec),
      );
  }

  /** Schedules every device the job has queued so far, and a look at the job's next rollout window. */
  watchJob(jobId: string): void {
    const job = this.stack.services.iot.state.jobs.get(jobId);
    if (!job || job.status === 'CANCELED' || job.status === 'COMPLETED') return;
    for (const exec of job.executions.values()) this.#schedule(jobId, exec);
    if (job.pending.length > 0) {
      const next = Math.max(this.stack.clock.now(), job.rollout.windowStart + 60_000) + 1;
      this.stack.timeline.at(next, `fleet: rollout window of ${jobId}`, () => this.watchJob(jobId));
    }
  }

  #onEvent(event: EventEnvelope): void {
    const detail = (event.detail ?? {}) as Record<string, unknown>;
    const rolloutId = typeof detail.rolloutId === 'string' ? detail.rolloutId : undefined;
    if (event['detail-type'] === 'RolloutCreated' && rolloutId && typeof detail.name === 'string')
      this.#rolloutNames.set(rolloutId, detail.name);
    if (event['detail-type'] === 'RolloutStageStarted' && typeof detail.jobId === 'string') {
      const jobId = detail.jobId;
      if (rolloutId) this.#jobRollouts.set(jobId, rolloutId);
      // The event is published after CreateJob; look once the handler's work has landed.
      this.stack.timeline.at(this.stack.clock.now(), `fleet: job ${jobId}`, () => this.#watchNamed(jobId, 0));
    }
    // A halted rollout's rollback job: its devices answer by the scenario's `rollback`, not by cohort.
    if (event['detail-type'] === 'RolloutRollbackStarted' && typeof detail.jobId === 'string') {
      const jobId = detail.jobId;
      this.#rollbackJobs.add(jobId);
      if (rolloutId) this.#jobRollouts.set(jobId, rolloutId);
      this.stack.timeline.at(this.stack.clock.now(), `fleet: rollback ${jobId}`, () => this.watchJob(jobId));
    }
  }

  /**
   * A cohort may hold only some rollouts (by name), which RolloutCreated carries; events are
   * unordered, so a stage can start before that event lands: wait for it (5 s steps, 10 minutes).
   */
  #watchNamed(jobId: string, tries: number): void {
    const rolloutId = this.#jobRollouts.get(jobId);
    if (rolloutId && !this.#rolloutNames.has(rolloutId) && tries < 120) {
      this.stack.timeline.at(this.stack.clock.now() + 5000, `fleet: name of ${rolloutId}`, () =>
        this.#watchNamed(jobId, tries + 1),
      );
      return;
    }
    this.watchJob(jobId);
  }

  #device(thingName: string): Device {
    const known = this.#devices.get(thingName);
    if (known) return known;
    const thing = this.stack.services.iot.state.things.get(thingName);
    const device: Device = { thingName, attributes: { ...(thing?.attributes ?? {}) } };
    if (thing?.thingTypeName) device.thingTypeName = thing.thingTypeName;
    return device;
  }

  #schedule(jobId: string, exec: Exec): void {
    if (exec.status !== 'QUEUED') return;
    const key = `${jobId}/${exec.thingName}/${exec.executionNumber}`;
    if (this.#scheduled.has(key)) return;
    this.#scheduled.add(key);
    if (this.#health.isBricked(exec.thingName)) return;
    const rollback = this.#rollbackJobs.has(jobId);
    const rolloutId = this.#jobRollouts.get(jobId);
    const rollout = rolloutId && !rollback ? this.#rolloutNames.get(rolloutId) : undefined;
    const version = documentVersion(this.stack.services.iot.state.jobs.get(jobId)?.document);
    const draw = drawExecution(
      rollback ? [rollbackCohort(this.rollback)] : this.cohorts,
      this.#device(exec.thingName),
      {
        jobId,
        executionNumber: exec.executionNumber,
        ...(rollout ? { rollout } : {}),
        ...(version ? { version } : {}),
      },
      this.seed,
    );
    if (draw.outcome === 'WRONG_VERSION')
      this.#versionsBefore.set(
        `${jobId}/${exec.thingName}`,
        packagesBefore(this.stack, exec.thingName, jobId),
      );
    if (rollback) this.stats.rollbackExecutions += 1;
    else {
      this.stats.executions += 1;
      this.stats.byOutcome[draw.outcome] += 1;
    }
    this.stack.timeline.at(this.stack.clock.now() + draw.latencyMs, `device ${exec.thingName} ${jobId}`, () =>
      this.#start(jobId, exec.thingName, draw),
    );
  }

  /** IN_PROGRESS, then the outcome after the cohort's runtime (a download and a reboot), or silence. */
  async #start(jobId: string, thingName: string, draw: Draw, attempt = 0): Promise<void> {
    // A device bricked (by another job) since this one was scheduled stays silent.
    if (this.#health.isBricked(thingName)) return;
    if (draw.after) this.#health.online(thingName);
    const answer = await this.#update(jobId, thingName, 'IN_PROGRESS');
    if (
      answer === 'failed' &&
      this.#retry(attempt, `start ${thingName} ${jobId}`, () =>
        this.#start(jobId, thingName, draw, attempt + 1),
      )
    )
      return;
    const ok = answer === 'ok';
    if (!ok || REPORTS[draw.outcome] === undefined || draw.runtimeMs === 0)
      return this.#answer(jobId, thingName, draw, ok);
    this.stack.timeline.at(this.stack.clock.now() + draw.runtimeMs, `report ${thingName} ${jobId}`, () =>
      this.#answer(jobId, thingName, draw, true),
    );
  }

  async #answer(jobId: string, thingName: string, draw: Draw, started: boolean, attempt = 0): Promise<void> {
    const status = REPORTS[draw.outcome];
    if (started && status) {
      const succeeded = status === 'SUCCEEDED';
      const answer = await this.#update(jobId, thingName, status, succeeded ? draw.statusDetails : undefined);
      if (answer === 'ok' && succeeded) this.#succeeded(jobId, thingName, draw);
      if (
        answer === 'failed' &&
        this.#retry(attempt, `report ${thingName} ${jobId}`, () =>
          this.#answer(jobId, thingName, draw, started, attempt + 1),
        )
      )
        return;
    }
    // A silent device times out in the emulator's sweep; wake the stack then, and pick up a retry.
    const current = this.stack.services.iot.state.jobs.get(jobId)?.executions.get(thingName);
    if (current?.status === 'IN_PROGRESS' && current.inProgressDeadline !== undefined) {
      this.stack.timeline.at(current.inProgressDeadline + 1, `timeout ${thingName} ${jobId}`, () =>
        this.#afterFinish(jobId, thingName),
      );
    } else this.#afterFinish(jobId, thingName);
  }

  /** A failed call is tried again later on virtual time (30 s, 60 s, 120 s...), or given up. */
  #retry(attempt: number, label: string, again: () => Promise<void>): boolean {
    if (attempt >= DEVICE_CALL_RETRIES) {
      this.stats.gaveUp += 1;
      return false;
    }
    this.stack.timeline.at(this.stack.clock.now() + RETRY_AFTER_MS * 2 ** attempt, `retry ${label}`, again);
    return true;
  }

  /**
   * The firmware is in: the shadow says so, a rollback is counted, the device reboots (or worse). A
   * `wrongVersion` device only says so: it reports the versions it ran before a little later.
   */
  #succeeded(jobId: string, thingName: string, draw: Draw): void {
    const before = this.#versionsBefore.get(`${jobId}/${thingName}`);
    if (draw.outcome === 'WRONG_VERSION' && before)
      this.stack.timeline.at(
        this.stack.clock.now() + WRONG_VERSION_REPORT_MS,
        `${thingName} reports its old versions`,
        () => reportOldVersions(this.stack, thingName, before),
      );
    else this.#reportInstalled(jobId, thingName);
    if (this.#rollbackJobs.has(jobId)) {
      this.stats.rolledBack += 1;
      this.#health.rolledBack(thingName);
    }
    if (draw.after) this.#health.follow(thingName, draw.after);
  }

  /** An updated device reports the document's firmware version in its `$package` shadow. */
  #reportInstalled(jobId: string, thingName: string): void {
    const text = this.stack.services.iot.state.jobs.get(jobId)?.document;
    let version: unknown;
    try {
      version = text ? (JSON.parse(text) as { firmware?: unknown }).firmware : undefined;
    } catch {
      version = undefined;
    }
    if (typeof version === 'string') reportFirmware(this.stack, thingName, version);
  }

  /** A retried execution (jobExecutionsRetryConfig) is a new QUEUED execution for the device. */
  #afterFinish(jobId: string, thingName: string): void {
    const exec = this.stack.services.iot.state.jobs.get(jobId)?.executions.get(thingName);
    if (exec) this.#schedule(jobId, exec);
  }

  /** One call to the jobs data plane; never throws (a device's failure is counted, not a crash). */
  async #update(
    jobId: string,
    thingName: string,
    status: JobExecutionStatus,
    statusDetails?: Record<string, string>,
  ): Promise<'ok' | 'refused' | 'failed'> {
    try {
      await this.#calls.add(
        () =>
          this.#client.send(
            new UpdateJobExecutionCommand({
              jobId,
              thingName,
              status,
              statusDetails: { agent: 'fleet-autopilot-local', ...statusDetails },
              includeJobDocument: status === 'IN_PROGRESS',
            }),
          ),
        // An outcome goes before any device's start.
        { priority: status === 'IN_PROGRESS' ? 0 : 1 },
      );
      return 'ok';
    } catch (error) {
      if (REFUSALS.has((error as Error).name)) {
        this.stats.refused += 1;
        return 'refused';
      }
      this.stats.callFailures += 1;
      return 'failed';
    }
  }
}

/** The `version` an inline job document names, which a cohort may match (`documents`). */
function documentVersion(document: string | undefined): string | undefined {
  if (!document) return undefined;
  try {
    const version = (JSON.parse(document) as { version?: unknown }).version;
    return typeof version === 'string' ? version : undefined;
  } catch {
    return undefined;
  }
}
