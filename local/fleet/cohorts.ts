import type { Cohort, Outcomes } from '../scenario/schema';
import { type Device, randomFor } from './population';

export const DEVICE_OUTCOMES = ['SUCCEEDED', 'FAILED', 'REJECTED', 'NEVER_ANSWER'] as const;
export type DeviceOutcome = (typeof DEVICE_OUTCOMES)[number];

/** Every device answers like this unless a cohort says otherwise. */
export const DEFAULT_COHORT: Cohort = {
  name: 'default',
  match: {},
  outcomes: { succeed: 1, fail: 0, reject: 0, neverAnswer: 0 },
  latency: { min: 20, max: 300 },
  runtime: {},
};

/** latencyMs: until the device starts (IN_PROGRESS); runtimeMs: from the start to its report. */
export type Draw = { cohort: string; outcome: DeviceOutcome; latencyMs: number; runtimeMs: number };

const RUNTIME_OF: Record<DeviceOutcome, 'succeed' | 'fail' | 'reject' | undefined> = {
  SUCCEEDED: 'succeed',
  FAILED: 'fail',
  REJECTED: 'reject',
  NEVER_ANSWER: undefined,
};

/**
 * Which cohort a device belongs to for a rollout: the first one (in file order) whose attribute
 * match, stable share and rollout list all hold. Shares hash the device name, so they are stable.
 */
export function cohortOf(
  cohorts: readonly Cohort[],
  device: Device,
  rollout: string | undefined,
  seed: number,
) {
  for (const cohort of cohorts) {
    if (cohort.rollouts && (rollout === undefined || !cohort.rollouts.includes(rollout))) continue;
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

export function drawOutcome(outcomes: Outcomes, r: number): DeviceOutcome {
  const total = outcomes.succeed + outcomes.fail + outcomes.reject + outcomes.neverAnswer || 1;
  let x = r * total;
  const order: [DeviceOutcome, number][] = [
    ['FAILED', outcomes.fail],
    ['REJECTED', outcomes.reject],
    ['NEVER_ANSWER', outcomes.neverAnswer],
    ['SUCCEEDED', outcomes.succeed],
  ];
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
  job: { jobId: string; rollout?: string; executionNumber: number },
  seed: number,
): Draw {
  const cohort = cohortOf(cohorts, device, job.rollout, seed);
  const random = randomFor(seed, `exec:${device.thingName}:${job.jobId}:${job.executionNumber}`);
  const outcome = drawOutcome(cohort.outcomes, random());
  const { min, max } = cohort.latency;
  const latencyMs = Math.round((min + random() * (max - min)) * 1000);
  const key = RUNTIME_OF[outcome];
  const run = key ? cohort.runtime[key] : undefined;
  // Drawn after the latency so that scenarios without runtimes replay exactly as before.
  const runtimeMs = run ? Math.round((run.min + random() * (run.max - run.min)) * 1000) : 0;
  return { cohort: cohort.name, outcome, latencyMs, runtimeMs };
}
