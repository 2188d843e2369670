import type { Cohort, Outcomes, RollbackSettings } from '../scenario/schema';
import { type AfterSuccess, afterSuccessOf } from './after-success';
import { type Device, randomFor } from './population';

export const DEVICE_OUTCOMES = [
  'SUCCEEDED',
  'FAILED',
  'REJECTED',
  'NEVER_ANSWER',
  'BRICK_AFTER_SUCCESS',
  'FAIL_SELF_TEST',
  'CRASH_AFTER_SUCCESS',
  'WRONG_VERSION',
] as const;
export type DeviceOutcome = (typeof DEVICE_OUTCOMES)[number];
export type ReportedStatus = 'SUCCEEDED' | 'FAILED' | 'REJECTED';

/** The status an outcome reports to the jobs data plane: the health outcomes all report success. */
export const REPORTS: Record<DeviceOutcome, ReportedStatus | undefined> = {
  SUCCEEDED: 'SUCCEEDED',
  FAILED: 'FAILED',
  REJECTED: 'REJECTED',
  NEVER_ANSWER: undefined,
  BRICK_AFTER_SUCCESS: 'SUCCEEDED',
  FAIL_SELF_TEST: 'SUCCEEDED',
  CRASH_AFTER_SUCCESS: 'SUCCEEDED',
  WRONG_VERSION: 'SUCCEEDED',
};

const ONLY_SUCCESS: Outcomes = {
  succeed: 1,
  fail: 0,
  reject: 0,
  neverAnswer: 0,
  brickAfterSuccess: 0,
  failSelfTest: 0,
  crashAfterSuccess: 0,
  wrongVersion: 0,
};

/** Every device answers like this unless a cohort says otherwise. */
export const DEFAULT_COHORT: Cohort = {
  name: 'default',
  match: {},
  outcomes: ONLY_SUCCESS,
  latency: { min: 20, max: 300 },
  runtime: {},
};

/** A scenario without `rollback`: every device takes a rollback job within 20-120 s. */
export const DEFAULT_ROLLBACK: RollbackSettings = { outcomes: ONLY_SUCCESS, latency: { min: 20, max: 120 } };

/** Rollback jobs draw like a cohort that every device belongs to. */
export const rollbackCohort = (settings: RollbackSettings): Cohort => ({
  name: 'rollback',
  match: {},
  outcomes: settings.outcomes,
  latency: settings.latency,
  runtime: {},
});

/**
 * latencyMs: until the device starts (IN_PROGRESS); runtimeMs: from the start to its report;
 * statusDetails: sent with a SUCCEEDED report; after: what the device does once it has reported it.
 */
export type Draw = {
  cohort: string;
  outcome: DeviceOutcome;
  latencyMs: number;
  runtimeMs: number;
  statusDetails?: Record<string, string>;
  after?: AfterSuccess;
};

const RUNTIME_OF = { SUCCEEDED: 'succeed', FAILED: 'fail', REJECTED: 'reject' } as const;

/**
 * Which cohort a device belongs to for a rollout: the first one (in file order) whose attribute
 * match, stable share, rollout list and document versions all hold. Shares hash the device name, so
 * they are stable.
 */
export function cohortOf(
  cohorts: readonly Cohort[],
  device: Device,
  rollout: string | undefined,
  seed: number,
  version?: string,
) {
  for (const cohort of cohorts) {
    if (cohort.rollouts && (rollout === undefined || !cohort.rollouts.includes(rollout))) continue;
    if (cohort.documents && (version === undefined || !cohort.documents.includes(version))) continue;
    const matches = Object.entries(cohort.match).every(([key, values]) => {
      const value = key === 'thingType' ? device.thingTypeName : device.attributes[key];
      return value !== undefined && values.includes(value);
    });
    if (!matches) continue;
    if (
      cohort.share !== undefined &&
      randomFor(seed, `share:${cohort.name}:${device.thingName}`)() >= cohort.share
    )
      continue;
    return cohort;
  }
  return DEFAULT_COHORT;
}

function drawOutcome(outcomes: Outcomes, r: number): DeviceOutcome {
  // The health outcomes go after the older ones: with weights 0 every older draw stays the same.
  const order: [DeviceOutcome, number][] = [
    ['FAILED', outcomes.fail],
    ['REJECTED', outcomes.reject],
    ['NEVER_ANSWER', outcomes.neverAnswer],
    ['BRICK_AFTER_SUCCESS', outcomes.brickAfterSuccess],
    ['FAIL_SELF_TEST', outcomes.failSelfTest],
    ['CRASH_AFTER_SUCCESS', outcomes.crashAfterSuccess],
    ['WRONG_VERSION', outcomes.wrongVersion],
    ['SUCCEEDED', outcomes.succeed],
  ];
  const total = order.reduce((sum, [, weight]) => sum + weight, 0) || 1;
  let x = r * total;
  for (const [outcome, weight] of order) {
    x -= weight;
    if (x < 0) return outcome;
  }
  return 'SUCCEEDED';
}

/** One execution's fate: seeded by the device, job and execution number, so any order replays alike. */
export function drawExecution(
  cohorts: readonly Cohort[],
  device: Device,
  job: { jobId: string; rollout?: string; executionNumber: number; version?: string },
  seed: number,
): Draw {
  const cohort = cohortOf(cohorts, device, job.rollout, seed, job.version);
  const random = randomFor(seed, `exec:${device.thingName}:${job.jobId}:${job.executionNumber}`);
  const outcome = drawOutcome(cohort.outcomes, random());
  const { min, max } = cohort.latency;
  const latencyMs = Math.round((min + random() * (max - min)) * 1000);
  const reported = REPORTS[outcome];
  const run = reported ? cohort.runtime[RUNTIME_OF[reported]] : undefined;
  // Drawn after the latency so that scenarios without runtimes replay exactly as before.
  const runtimeMs = run ? Math.round((run.min + random() * (run.max - run.min)) * 1000) : 0;
  const draw: Draw = { cohort: cohort.name, outcome, latencyMs, runtimeMs };
  if (reported !== 'SUCCEEDED') return draw;
  // Its own random stream, so that the older draws above stay as they were.
  const reboot = randomFor(seed, `reboot:${device.thingName}:${job.jobId}:${job.executionNumber}`);
  return { ...draw, ...afterSuccessOf(cohort, outcome, reboot) };
}
