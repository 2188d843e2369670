import { defaultJobRollout } from '../shared/domain/rollout/job-rollout';

/**
 * One stage of a rollout as AWS IoT Jobs runs it, on virtual time. The job releases (creates and
 * notifies) its executions at the rate of its jobExecutionsRolloutConfig: baseRatePerMinute at first,
 * × incrementFactor each time another `rateIncreaseCriteria` things succeeded (or were notified), at
 * most maximumPerMinute. A notified device starts (IN_PROGRESS) after a short connect delay, or never;
 * then reports as its timing model says; an execution still IN_PROGRESS at start + inProgressTimeout
 * is TIMED_OUT. The gate's inputs are recorded at every terminal event (the only events that can make
 * a rule decide: bench/gate-sim.ts shows why and checks it), at the bake end and at the deadline.
 */

export const TIMING_MODELS = [
  'independent',
  'late-failures',
  'early-failures',
  'half-late',
  'growing-group',
  'never-start',
] as const;
export type TimingModel = (typeof TIMING_MODELS)[number];
/**
 * Models run by their own benchmark mode, not by the default gate-quality run. 'silent-bricks' (issue
 * 17, `gate-quality --health`): every failing device reports SUCCEEDED like a healthy one, then
 * reboots and never comes back online; only the stage's health signal can see it (health-view.ts).
 */
type SimModel = TimingModel | 'silent-bricks';

export const MODEL_TEXT: Record<TimingModel, string> = {
  independent: 'outcomes independent of report time (latency lognormal, median 10 min, σ 0.8)',
  'late-failures': 'every failure hangs and reports TIMED_OUT at the in-progress timeout',
  'early-failures': 'every failure is REJECTED within a minute of the notification; successes ~10 min',
  'half-late': 'half of the failures hang until the timeout, the other half report like successes',
  'growing-group': 'the group grows 5× during the first hour (a continuous job: joiners notified at once)',
  'never-start': '10 % of the devices never start (their executions stay QUEUED)',
};

export type JobRollout = {
  readonly maximumPerMinute: number;
  readonly exponentialRate?: {
    readonly baseRatePerMinute: number;
    readonly incrementFactor: number;
    readonly rateIncreaseCriteria: {
      readonly numberOfSucceededThings?: number;
      readonly numberOfNotifiedThings?: number;
    };
  };
};

export type StageSpec = {
  readonly model: SimModel;
  /** Executions the job has at the end of the stage (the group's final size). */
  readonly size: number;
  /** True failure rate of the devices that start. */
  readonly rate: number;
  readonly rollout: JobRollout;
  readonly inProgressTimeoutMs: number;
  readonly bakeMs: number;
  readonly deadlineMs: number;
};

export const MINUTE = 60_000;
/** The stage the plan's defaults give: the cohort rollout sized to the stage (job-rollout.ts). */
export const defaultRollout = (size: number): JobRollout => defaultJobRollout(size, 30) as JobRollout;

export const DEFAULT_STAGE = {
  inProgressTimeoutMs: 30 * MINUTE,
  bakeMs: 30 * MINUTE,
  deadlineMs: 24 * 60 * MINUTE,
};

const CONNECT_MEAN_MS = 30_000;
const REJECT_WITHIN_MS = 30_000;
const MEDIAN_MS = 10 * MINUTE;
const SIGMA = 0.8;
const NEVER_START_SHARE = 0.1;
const GROWTH = 5;
const GROWTH_MS = 60 * MINUTE;

const START = 0;
const SUCCEEDED = 1;
const FAILED = 2;
/** REJECTED from QUEUED: the device leaves QUEUED and fails in one event. */
const REJECTED = 3;

/**
 * The looks of one stage, in time order: one after every terminal event, one at the bake end (the
 * counts a recheck then sees: before any event of that same second) and, when the stage never settles,
 * one at the deadline.
 */
export type Looks = {
  count: number;
  readonly t: Float64Array;
  readonly failed: Int32Array;
  readonly succeeded: Int32Array;
  /** started + excluded (none are excluded here): the devices exposed. */
  readonly exposed: Int32Array;
  /** The job's target count as the rollout reads it (countsFromJob). */
  readonly targets: Int32Array;
  /** A failure's place in start order (1 = started first), 0 for a success or a look at a time. */
  readonly failedRank: Int32Array;
  bakeIndex: number;
  /** The look after which every execution is terminal and the job can gain none (−1: never). */
  settledIndex: number;
  /** Devices that started by the end: what a stage that is never halted exposes. */
  everStarted: number;
};

/** Every count change, for replaying the stage through evaluateGate (the fast path's check). */
export type EventLog = {
  t: number[];
  targets: number[];
  started: number[];
  succeeded: number[];
  failed: number[];
  open: boolean[];
};

export function emptyLog(): EventLog {
  return { t: [], targets: [], started: [], succeeded: [], failed: [], open: [] };
}

/**
 * Per-device times of one stage, for views of it other than the job's counts (health-view.ts): when
 * each execution started, in start order, and each SUCCEEDED report in time order, with whether the
 * device is a silent brick (a failure the job reports as a success).
 */
export type DeviceTrace = {
  starts: number;
  /** startAt[r − 1]: when the r-th execution to start started (non-decreasing). */
  readonly startAt: Float64Array;
  successes: number;
  /** SUCCEEDED reports in time order (non-decreasing). */
  readonly successAt: Float64Array;
  /** 1 when that success is a silent brick. */
  readonly successBrick: Uint8Array;
  /** That execution's place in start order (1 = started first). */
  readonly successRank: Int32Array;
  /** Failures the job reported (FAILED, REJECTED, TIMED_OUT): the health view counts them as they come. */
  failures: number;
  readonly failureAt: Float64Array;
  /** When the job stopped gaining executions (its last release or join); +∞ if it never did. */
  openUntil: number;
};

export function emptyTrace(maxSize: number): DeviceTrace {
  return {
    starts: 0,
    startAt: new Float64Array(maxSize),
    successes: 0,
    successAt: new Float64Array(maxSize),
    successBrick: new Uint8Array(maxSize),
    successRank: new Int32Array(maxSize),
    failures: 0,
    failureAt: new Float64Array(maxSize),
    openUntil: Number.POSITIVE_INFINITY,
  };
}

/** Looks buffers for a stage of up to `capacity` looks. */
export function emptyLooks(capacity: number): Looks {
  return {
    count: 0,
    t: new Float64Array(capacity),
    failed: new Int32Array(capacity),
    succeeded: new Int32Array(capacity),
    exposed: new Int32Array(capacity),
    targets: new Int32Array(capacity),
    failedRank: new Int32Array(capacity),
    bakeIndex: -1,
    settledIndex: -1,
    everStarted: 0,
  };
}

/**
 * A bucket queue of device events at one-second resolution (AWS reports execution times in seconds):
 * O(1) push and pop, first in first out within a second, so an execution's start always comes before
 * its outcome. Events at or after `horizonMs` are dropped: they would come after the deadline.
 */
class EventQueue {
  size = 0;
  readonly #head: Int32Array;
  readonly #tail: Int32Array;
  readonly #next: Int32Array;
  readonly #code: Int32Array;
  #free = 0;
  #cursor = 0;
  #last = 0;
  constructor(
    capacity: number,
    readonly horizonMs: number,
  ) {
    const seconds = Math.ceil(horizonMs / 1000) + 1;
    this.#head = new Int32Array(seconds).fill(-1);
    this.#tail = new Int32Array(seconds).fill(-1);
    this.#next = new Int32Array(capacity);
    this.#code = new Int32Array(capacity);
  }
  clear(): void {
    this.#head.fill(-1, 0, this.#last + 1);
    this.#tail.fill(-1, 0, this.#last + 1);
    this.#last = 0;
    this.size = 0;
    this.#free = 0;
    this.#cursor = 0;
  }
  push(t: number, code: number): void {
    if (t >= this.horizonMs) return;
    const b = Math.floor(t / 1000);
    const i = this.#free++;
    this.#code[i] = code;
    this.#next[i] = -1;
    const tail = this.#tail[b] as number;
    if (tail < 0) this.#head[b] = i;
    else this.#next[tail] = i;
    this.#tail[b] = i;
    this.size++;
    if (b < this.#cursor) this.#cursor = b;
    if (b > this.#last) this.#last = b;
  }
  /** The time (ms, whole seconds) of the next event, +∞ when none. */
  topTime(): number {
    if (this.size === 0) return Number.POSITIVE_INFINITY;
    while ((this.#head[this.#cursor] as number) < 0) this.#cursor++;
    return this.#cursor * 1000;
  }
  /** Removes the next event (call topTime first); returns its code. */
  pop(): number {
    const b = this.#cursor;
    const i = this.#head[b] as number;
    const next = this.#next[i] as number;
    this.#head[b] = next;
    if (next < 0) this.#tail[b] = -1;
    this.size--;
    return this.#code[i] as number;
  }
}

/** Reusable buffers for stages of up to `maxSize` executions. */
export class StageSimulator {
  readonly looks: Looks;
  readonly #queue: EventQueue;
  /** Each device's place in start order. */
  readonly #rank: Int32Array;
  /** 1 for a device that fails silently (silent-bricks). */
  readonly #brick: Uint8Array;

  constructor(maxSize: number) {
    this.looks = emptyLooks(maxSize + 3);
    this.#queue = new EventQueue(2 * maxSize + 2, DEFAULT_STAGE.deadlineMs);
    this.#rank = new Int32Array(maxSize + 1);
    this.#brick = new Uint8Array(maxSize + 1);
  }

  /** Simulates one stage with `random`; fills `this.looks` (and `log`, `trace`, when given). */
  run(spec: StageSpec, random: () => number, log?: EventLog, trace?: DeviceTrace): Looks {
    const { model, size, rate, rollout, inProgressTimeoutMs, bakeMs, deadlineMs } = spec;
    if (deadlineMs > this.#queue.horizonMs) throw new RangeError('the simulator keeps events up to 24 h');
    const queue = this.#queue;
    queue.clear();
    const looks = this.looks;
    looks.count = 0;
    looks.bakeIndex = -1;
    looks.settledIndex = -1;
    if (trace) {
      trace.starts = 0;
      trace.successes = 0;
      trace.failures = 0;
      trace.openUntil = Number.POSITIVE_INFINITY;
    }
    const initial = model === 'growing-group' ? Math.ceil(size / GROWTH) : size;
    const joiners = size - initial;
    const exp = rollout.exponentialRate;
    const byNotified = exp?.rateIncreaseCriteria.numberOfNotifiedThings;
    const step = exp ? (byNotified ?? exp.rateIncreaseCriteria.numberOfSucceededThings ?? 1) : 0;
    let perMinute = exp
      ? Math.min(exp.baseRatePerMinute, rollout.maximumPerMinute)
      : rollout.maximumPerMinute;
    let nextStep = step;
    let released = 0;
    let joined = 0;
    let started = 0;
    let succeeded = 0;
    let failed = 0;
    let lastRelease = 0;
    let nextRelease = 0;
    let now = 0;

    const latency = (): number => {
      for (;;) {
        const z = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
        const l = MEDIAN_MS * Math.exp(SIGMA * z);
        // A healthy device that took longer would be a TIMED_OUT failure: the true rate counts those.
        if (l < inProgressTimeoutMs) return l;
      }
    };
    const notify = (t: number, device: number): void => {
      if (model === 'never-start' && random() < NEVER_START_SHARE) return;
      const fails = random() < rate;
      const start = t - CONNECT_MEAN_MS * Math.log(1 - random());
      const id = device * 4;
      if (fails && model === 'early-failures') {
        queue.push(start + REJECT_WITHIN_MS * random(), id + REJECTED);
        return;
      }
      queue.push(start, id + START);
      const hangs = fails && (model === 'late-failures' || (model === 'half-late' && random() < 0.5));
      // A silent brick reports SUCCEEDED like a healthy device: the job counts it as a success.
      const silent = fails && model === 'silent-bricks';
      this.#brick[device] = silent ? 1 : 0;
      queue.push(
        start + (hangs ? inProgressTimeoutMs : latency()),
        id + (fails && !silent ? FAILED : SUCCEEDED),
      );
    };
    const speedUp = (): void => {
      if (!exp) return;
      perMinute = Math.min(rollout.maximumPerMinute, perMinute * exp.incrementFactor);
      nextStep += step;
      if (released > 0) nextRelease = Math.max(now, lastRelease + MINUTE / perMinute);
    };
    const open = (): boolean => released < initial || joined < joiners;
    // countsFromJob: the job's executions, at least the targets counted at the start while it can gain more.
    const targets = (): number => (open() ? Math.max(released + joined, initial) : released + joined);
    const look = (t: number, rank = 0): void => {
      const i = looks.count++;
      looks.failedRank[i] = rank;
      looks.t[i] = t;
      looks.failed[i] = failed;
      looks.succeeded[i] = succeeded;
      looks.exposed[i] = started;
      looks.targets[i] = targets();
    };
    const record = (t: number): void => {
      if (!log) return;
      log.t.push(t);
      log.targets.push(targets());
      log.started.push(started);
      log.succeeded.push(succeeded);
      log.failed.push(failed);
      log.open.push(open());
    };

    for (;;) {
      const tQueue = queue.topTime();
      const tRelease = released < initial ? nextRelease : Number.POSITIVE_INFINITY;
      const tJoin = joined < joiners ? ((joined + 0.5) / joiners) * GROWTH_MS : Number.POSITIVE_INFINITY;
      const t = Math.min(tQueue, tRelease, tJoin);
      if (t === Number.POSITIVE_INFINITY) break;
      if (looks.bakeIndex < 0 && t >= bakeMs) {
        looks.bakeIndex = looks.count;
        look(bakeMs);
      }
      if (t >= deadlineMs) break;
      now = t;
      if (t === tRelease) {
        released++;
        lastRelease = t;
        nextRelease = t + MINUTE / perMinute;
        notify(t, released + joined);
        if (byNotified !== undefined && released >= nextStep) speedUp();
      } else if (t === tJoin) {
        joined++;
        notify(t, released + joined);
      } else {
        const event = queue.pop();
        const code = event & 3;
        const device = event >> 2;
        if (code === START || code === REJECTED) {
          this.#rank[device] = ++started;
          if (trace) trace.startAt[trace.starts++] = t;
        }
        if (trace && code === SUCCEEDED) {
          trace.successAt[trace.successes] = t;
          trace.successRank[trace.successes] = this.#rank[device] as number;
          trace.successBrick[trace.successes++] = this.#brick[device] as number;
        } else if (trace && code !== START) trace.failureAt[trace.failures++] = t;
        if (code !== START) {
          if (code === SUCCEEDED) succeeded++;
          else failed++;
          look(t, code === SUCCEEDED ? 0 : (this.#rank[device] as number));
          if (code === SUCCEEDED && byNotified === undefined && succeeded >= nextStep) speedUp();
        }
      }
      if (trace && trace.openUntil === Number.POSITIVE_INFINITY && !open()) trace.openUntil = t;
      record(t);
    }
    // Every execution terminal: none queued or still running (outcomes after the deadline never came).
    const settled = !open() && started === released + joined && succeeded + failed === started;
    if (settled) looks.settledIndex = looks.count - 1;
    if (looks.bakeIndex < 0) {
      looks.bakeIndex = looks.count;
      look(bakeMs);
    }
    if (!settled) look(deadlineMs);
    looks.everStarted = started;
    return looks;
  }
}
