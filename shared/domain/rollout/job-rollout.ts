/**
 * The job's rollout rate when the plan gives none: AWS IoT's exponential rollout, paced in cohorts so
 * that a bad update is caught while few devices have it. A cohort is c = min(N, 200) devices; the job
 * starts at c per in-progress timeout (a failure that hangs is known only at that timeout) and doubles
 * each time another c devices succeed, up to AWS's 1,000 a minute. BENCHMARKS.md §3 ("Rollout
 * defaults") measures it against other paces: with the prefix halt rule it exposes 288–439 of 1,000
 * devices at twice the threshold when failures report late, for 99–121 minutes per healthy stage.
 */
const COHORT = 200;

export type JobRollout = {
  maximumPerMinute: number;
  exponentialRate: {
    baseRatePerMinute: number;
    incrementFactor: number;
    rateIncreaseCriteria: { numberOfSucceededThings: number };
  };
};

export function defaultJobRollout(things: number, inProgressTimeoutMinutes: number): JobRollout {
  const cohort = Math.max(1, Math.min(Math.max(1, things), COHORT));
  const base = Math.min(1000, Math.max(1, Math.ceil(cohort / Math.max(1, inProgressTimeoutMinutes))));
  return {
    maximumPerMinute: 1000,
    exponentialRate: {
      baseRatePerMinute: base,
      incrementFactor: 2,
      rateIncreaseCriteria: { numberOfSucceededThings: cohort },
    },
  };
}
