import { z } from 'zod';
import { parseDuration } from './duration';
import { healthExpectationFields } from './expectations';

/** A scenario file that does not validate: every issue, each naming its field. */
export class InvalidScenarioError extends Error {
  override readonly name = 'InvalidScenarioError';
  constructor(readonly issues: readonly string[]) {
    super(`invalid scenario:\n  ${issues.join('\n  ')}`);
  }
}

const duration = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const ms = parseDuration(value);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `"${value}" is not a duration (e.g. 90s, 10m, 2h, 1d6h)` });
    return z.NEVER;
  }
  return ms;
});
const share = z.number().min(0).max(1);
/** value → weight; weights are normalised, so they need not sum to 1. */
const distribution = z
  .record(z.string().min(1), z.number().positive())
  .refine((d) => Object.keys(d).length > 0, 'needs at least one value');
const name = z.string().regex(/^[a-zA-Z0-9:_-]{1,128}$/, 'must be [a-zA-Z0-9:_-]{1,128}');

/**
 * Outcome weights. The health outcomes all report SUCCEEDED to the jobs data plane: `brickAfterSuccess`
 * then drops off the network for good (never reconnects, never answers a later job), `failSelfTest`
 * reports the cohort's statusDetails with `selfTest: fail`, `crashAfterSuccess` reboots, comes back
 * and publishes CrashCount metrics for 30 minutes, `wrongVersion` did not really switch: it writes its
 * `$package` shadow back to the versions it ran before (over what AWS IoT Jobs wrote after the success).
 */
const outcomes = z
  .strictObject({
    succeed: share.optional(),
    fail: share.optional(),
    reject: share.optional(),
    neverAnswer: share.optional(),
    brickAfterSuccess: share.optional(),
    failSelfTest: share.optional(),
    crashAfterSuccess: share.optional(),
    wrongVersion: share.optional(),
  })
  .refine(
    (o) =>
      (o.fail ?? 0) +
        (o.reject ?? 0) +
        (o.neverAnswer ?? 0) +
        (o.brickAfterSuccess ?? 0) +
        (o.failSelfTest ?? 0) +
        (o.crashAfterSuccess ?? 0) +
        (o.wrongVersion ?? 0) <=
      1 + 1e-9,
    'fail + reject + neverAnswer + brickAfterSuccess + failSelfTest + crashAfterSuccess + wrongVersion exceeds 1',
  )
  .transform((o) => {
    const others = {
      fail: o.fail ?? 0,
      reject: o.reject ?? 0,
      neverAnswer: o.neverAnswer ?? 0,
      brickAfterSuccess: o.brickAfterSuccess ?? 0,
      failSelfTest: o.failSelfTest ?? 0,
      crashAfterSuccess: o.crashAfterSuccess ?? 0,
      wrongVersion: o.wrongVersion ?? 0,
    };
    const rest = Object.values(others).reduce((a, b) => a + b, 0);
    return { ...others, succeed: o.succeed ?? Math.max(0, 1 - rest) };
  });

const range = z
  .strictObject({ min: z.number().min(0), max: z.number().min(0) })
  .refine((l) => l.max >= l.min, 'max must be ≥ min');

/** AWS IoT's statusDetails: keys [a-zA-Z0-9:_-]{1,128}, values 1-1024 characters, 10 pairs at most. */
const statusDetails = z
  .record(
    z.string().regex(/^[a-zA-Z0-9:_-]{1,128}$/, 'must be a statusDetails key'),
    z.string().min(1).max(1024),
  )
  .refine(
    (d) => Object.keys(d).filter((k) => k !== 'selfTest').length <= 8,
    'holds at most 8 pairs besides selfTest (a device adds its agent and selfTest: 10 in all)',
  );

const cohort = z.strictObject({
  name: z.string().min(1),
  /** Attribute (or `thingType`) → accepted values; all must match. */
  match: z.record(z.string(), z.array(z.string()).min(1)).default({}),
  /** A stable share of the devices that match, drawn from the seed. */
  share: share.optional(),
  /** Only for jobs of these rollouts (plan names); all rollouts when absent. */
  rollouts: z.array(z.string().min(1)).optional(),
  /**
   * Only for jobs whose document's `version` is one of these; all documents when absent. A rollout
   * resumed with a fixed document runs another version, which devices may answer otherwise.
   */
  documents: z.array(z.string().min(1)).optional(),
  outcomes,
  /** Virtual seconds from the job reaching the device to its start (IN_PROGRESS), uniform in [min, max]. */
  latency: range.default({ min: 20, max: 300 }),
  /**
   * Virtual seconds from the start to the report, per outcome (default 0: the device reports at once).
   * A `neverAnswer` device hangs: it reports nothing and times out at the job's in-progress timeout.
   */
  runtime: z
    .strictObject({ succeed: range.optional(), fail: range.optional(), reject: range.optional() })
    .default({}),
  /** Sent with SUCCEEDED (e.g. `{ selfTest: pass, bootCount: '1' }`); `failSelfTest` sets `selfTest: fail`. */
  statusDetails: statusDetails.optional(),
  /**
   * Virtual seconds a device is offline after SUCCEEDED: it reboots into the update, disconnecting and
   * connecting again (lifecycle events). Without it a healthy device publishes no presence at all.
   */
  reboot: range.optional(),
});

/** How devices answer a rollback job (RolloutRollbackStarted); a bricked device stays silent. */
const rollback = z.strictObject({
  outcomes: outcomes
    .refine(
      (o) => o.brickAfterSuccess + o.failSelfTest + o.crashAfterSuccess + o.wrongVersion === 0,
      'a rollback takes succeed, fail, reject and neverAnswer only',
    )
    .prefault({}),
  latency: range.default({ min: 20, max: 120 }),
});

const principal = z.string().regex(/^[A-Za-z0-9+=,.@_-]{1,64}$/, 'must be an IAM user name');
const rolloutRef = z.string().min(1);
const decision = z.strictObject({
  rollout: rolloutRef,
  principal,
  comment: z.string().max(1000).default(''),
  /** `pending`: act when the rollout asks for an approval (after `delay`), not at `at`. */
  when: z.enum(['now', 'pending']).default('now'),
  delay: duration.default(0),
});
const control = z.strictObject({ rollout: rolloutRef, principal, comment: z.string().max(1000).default('') });
const alarmTarget = z.strictObject({
  thing: z.string().min(1),
  /** Defaults to `<namePrefix><thing>` (prefix from config/tunnel-policy.yml). */
  alarm: z.string().min(1).optional(),
  /** Redeliver the same state-change event this long after the first (EventBridge is at least once). */
  duplicateAfter: duration.optional(),
});

const step = z.union([
  z.strictObject({
    at: duration,
    provision: z.strictObject({
      /** `all`, or the next N devices not provisioned yet (waves). */
      count: z.union([z.literal('all'), z.number().int().positive()]).default('all'),
      ratePerSecond: z.number().positive().max(100).default(100),
    }),
  }),
  z.strictObject({
    at: duration,
    startRollout: z.strictObject({ ref: rolloutRef, plan: z.string().min(1), principal }),
  }),
  z.strictObject({ at: duration, approve: decision }),
  z.strictObject({ at: duration, reject: decision }),
  z.strictObject({ at: duration, pause: control }),
  /** A paused rollout resumes; a halted one only with a fixed `document` (or `documentSource`). */
  z.strictObject({
    at: duration,
    resume: control.extend({
      document: z.record(z.string(), z.unknown()).optional(),
      documentSource: z.string().optional(),
    }),
  }),
  z.strictObject({ at: duration, abort: control }),
  /** Completes a rollout whose last, continuous stage is being watched (POST /rollouts/{id}/complete). */
  z.strictObject({ at: duration, complete: control }),
  z.strictObject({ at: duration, fireAlarm: alarmTarget }),
  /** A fleet-level CloudWatch metric alarm (a plan's `health.alarms` names it), on a metric devices emit. */
  z.strictObject({
    at: duration,
    fleetAlarm: z.strictObject({
      name: z.string().min(1).max(255),
      namespace: z.string().min(1).default('FleetAutopilot/Devices'),
      metric: z.string().min(1).default('CrashCount'),
      statistic: z.enum(['Sum', 'Average', 'Maximum', 'Minimum', 'SampleCount']).default('Sum'),
      periodSeconds: z.number().int().min(60).multipleOf(60).default(60),
      evaluationPeriods: z.number().int().min(1).max(100).default(1),
      threshold: z.number(),
    }),
  }),
  z.strictObject({ at: duration, recoverAlarm: alarmTarget.omit({ duplicateAfter: true }) }),
  z.strictObject({ at: duration, wait: z.strictObject({ label: z.string().optional() }).default({}) }),
]);

const expectation = z.strictObject({
  rollout: rolloutRef,
  /** The rollout's final status. */
  status: z.enum(['RUNNING', 'PAUSED', 'HALTED', 'ABORTED', 'COMPLETED', 'FAILED']).optional(),
  /** A stage (by name) and the outcome of its last gate decision and/or its status. */
  stage: z.string().min(1).optional(),
  decision: z.enum(['HALT', 'PROMOTE', 'CONTINUE', 'INCONCLUSIVE_AT_DEADLINE']).optional(),
  stageStatus: z.enum(['NOT_STARTED', 'RUNNING', 'PROMOTED', 'HALTED', 'ABORTED']).optional(),
  /** At least this many devices started the stage's update, by its last decision's evidence. */
  minExposed: z.number().int().min(0).optional(),
  ...healthExpectationFields,
});

export const scenarioSchema = z.strictObject({
  name: z.string().min(1).max(128),
  description: z.string().optional(),
  seed: z.number().int().min(0).default(1),
  devices: z
    .strictObject({
      count: z.number().int().min(1).max(100_000).default(2000),
      namePrefix: name.default('device-'),
      thingTypes: distribution.optional(),
      attributes: z.record(z.string().regex(/^[a-zA-Z0-9_.,@/:#-]{1,128}$/), distribution).default({}),
    })
    .prefault({}),
  cohorts: z.array(cohort).default([]),
  rollback: rollback.prefault({}),
  faults: z.strictObject({ throttleRate: share.default(0), serverErrorRate: share.default(0) }).prefault({}),
  delivery: z
    .strictObject({ duplicateRate: share.default(0), reorderWindowSeconds: z.number().min(0).default(0) })
    .prefault({}),
  /** Virtual time the stack is left to run after the last step, at most. */
  runFor: duration.optional(),
  /** What the run must end with; `npm start` checks each and exits 1 if one fails. */
  expect: z.array(expectation).default([]),
  timeline: z.array(step).min(1),
});

export type Scenario = z.infer<typeof scenarioSchema>;
export type ScenarioStep = Scenario['timeline'][number];
export type Cohort = Scenario['cohorts'][number];
export type Outcomes = Cohort['outcomes'];
export type RollbackSettings = Scenario['rollback'];
export type Expectation = Scenario['expect'][number];

/** `timeline[3].approve.principal: must be an IAM user name` */
export function formatIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const path = issue.path
      .map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`))
      .join('');
    return `${path || '(root)'}: ${issue.message}`;
  });
}
