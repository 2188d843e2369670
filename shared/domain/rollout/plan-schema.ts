import * as z from '../../zod';
import { INCONCLUSIVE_ACTIONS, MIN_FAILURE_THRESHOLD } from '../gate';
import {
  MAX_PACKAGE_VERSION_ARN,
  MAX_PACKAGE_VERSIONS,
  PACKAGE_VERSION_ARN,
  parsePackageVersionArn,
} from './health-package';
import { MAX_STAGES } from './ids';
import { FAILURE_STATUSES } from './job-snapshot';
import { MAX_QUERY_LENGTH } from './query-target';

/** What an operator writes. Every object is strict, so a misspelt key is an error, never a silent default. */

const int = (min: number, max: number) => z.int().check(z.gte(min), z.lte(max));
const num = (...checks: z.core.$ZodCheck<number>[]) => z.number().check(...checks);

const gateSchema = z.strictObject({
  failureThreshold: z.optional(num(z.gte(MIN_FAILURE_THRESHOLD), z.lte(0.5))),
  confidence: z.optional(num(z.gte(0.5), z.lte(0.9999))),
  minFinished: z.optional(int(1, 1_000_000)),
  bakeMinutes: z.optional(num(z.gte(0), z.lte(525_600))),
  deadlineMinutes: z.optional(num(z.gt(0), z.lte(525_600))),
  onInconclusive: z.optional(z.enum(INCONCLUSIVE_ACTIONS)),
  /** Which failure statuses count; a REJECTED left out is ignored (the device refused, never ran it). */
  failureStatuses: z.optional(
    z.array(z.enum(FAILURE_STATUSES)).check(
      z.refine((s) => new Set(s).size === s.length, 'must not repeat a status'),
      z.refine(
        (s) => s.includes('FAILED') && s.includes('TIMED_OUT'),
        'must include FAILED and TIMED_OUT (a device that hangs only ever reports TIMED_OUT)',
      ),
    ),
  ),
});

const approvalSchema = z.strictObject({
  required: z.optional(z.boolean()),
  /** Step Functions callback timeout; an unanswered approval halts the rollout. */
  timeoutMinutes: z.optional(int(1, 525_600)),
});

const exponentialRate = z.strictObject({
  baseRatePerMinute: int(1, 1000),
  incrementFactor: num(
    z.gte(1.1),
    z.lte(5),
    z.refine((v) => Math.abs(v * 10 - Math.round(v * 10)) < 1e-9, 'at most one decimal place'),
  ),
  rateIncreaseCriteria: z.union([
    z.strictObject({ numberOfNotifiedThings: int(1, 1_000_000) }),
    z.strictObject({ numberOfSucceededThings: int(1, 1_000_000) }),
  ]),
});

const abortCriterion = z.strictObject({
  failureType: z.enum(['FAILED', 'REJECTED', 'TIMED_OUT', 'ALL']),
  action: z.optional(z.literal('CANCEL')),
  thresholdPercentage: num(z.gt(0), z.lte(100)),
  minNumberOfExecutedThings: int(1, 1_000_000),
});

const maintenanceWindow = z.strictObject({
  startTime: z
    .string()
    .check(
      z.minLength(1),
      z.maxLength(256),
      z.regex(/^cron\([0-9A-Za-z*?,/#LW -]+\)$/, 'must be a cron(...) expression'),
    ),
  durationInMinutes: int(1, 1430),
});

const scheduleTime = z
  .string()
  .check(z.regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/, 'must be YYYY-MM-DDTHH:MM (UTC, as AWS IoT expects)'));

/** A Software Package Catalog version (CreateJob `destinationPackageVersions`: 1-25 ARNs, each ≤ 1600). */
const packageVersionArn = z
  .string()
  .check(
    z.maxLength(MAX_PACKAGE_VERSION_ARN),
    z.regex(
      PACKAGE_VERSION_ARN,
      'must be a package version ARN: arn:aws:iot:<region>:<account>:package/<packageName>/version/<versionName>',
    ),
  );

const packageNames = (arns: readonly string[]) =>
  arns.map((a) => parsePackageVersionArn(a)?.packageName).filter((n) => n !== undefined);

const jobSchema = z.strictObject({
  targetSelection: z.optional(z.enum(['SNAPSHOT', 'CONTINUOUS'])),
  rollout: z.optional(
    z.strictObject({
      maximumPerMinute: z.optional(int(1, 1000)),
      exponentialRate: z.optional(exponentialRate),
    }),
  ),
  inProgressTimeoutMinutes: z.optional(int(1, 10_080)),
  retries: z.optional(z.strictObject({ failed: z.optional(int(0, 10)), timedOut: z.optional(int(0, 10)) })),
  /** AWS's own abort, a backstop under our gate (it cancels only QUEUED executions). */
  abortConfig: z.optional(z.array(abortCriterion).check(z.minLength(1), z.maxLength(4))),
  scheduling: z.optional(
    z.strictObject({
      startTime: z.optional(scheduleTime),
      endTime: z.optional(scheduleTime),
      endBehavior: z.optional(z.enum(['STOP_ROLLOUT', 'CANCEL', 'FORCE_CANCEL'])),
      maintenanceWindows: z.optional(z.array(maintenanceWindow).check(z.minLength(1), z.maxLength(10))),
    }),
  ),
  /**
   * The Software Package Catalog versions the job installs: AWS IoT writes them to the device's `$package`
   * shadow after its success, and `health.packageVersion` checks the device reports them.
   */
  destinationPackageVersions: z.optional(
    z.array(packageVersionArn).check(
      z.minLength(1),
      z.maxLength(MAX_PACKAGE_VERSIONS, `CreateJob takes at most ${MAX_PACKAGE_VERSIONS} package versions`),
      z.refine(
        (a) => new Set(packageNames(a)).size === packageNames(a).length,
        'must name one version per package (a device reports one version of each)',
      ),
    ),
  ),
});

const cancelSchema = z.strictObject({ force: z.optional(z.boolean()) });

/** One condition on a SUCCEEDED execution's statusDetails (values are strings, AWS's 128-character limit). */
const detailValue = z.string().check(z.minLength(1), z.maxLength(128));
const selfCheckConditionSchema = z.union(
  [
    z.strictObject({ equals: detailValue }),
    z.strictObject({ oneOf: z.array(detailValue).check(z.minLength(1), z.maxLength(20)) }),
    z.strictObject({ atMost: z.number() }),
    z.strictObject({ atLeast: z.number() }),
  ],
  {
    // The union's own message would be a bare "Invalid input": say what each form takes, and that
    // statusDetails values are strings (YAML `equals: 1` or `equals: true` is not one).
    error:
      'must be exactly one of {equals: "<text>"}, {oneOf: ["<text>", ...]}, {atMost: <number>} or {atLeast: <number>}; statusDetails values are strings, so quote a number or boolean in equals/oneOf',
  },
);
const detailKey = z.string().check(z.regex(/^[a-zA-Z0-9:_-]{1,128}$/, 'must be a statusDetails key'));

const alarmName = z
  .string()
  .check(z.minLength(1), z.maxLength(255), z.regex(/^[\x20-\x7e]+$/, 'must be printable ASCII'));

/** Signals a success must also pass (docs/rollouts.md, "Health after success"). Each optional. */
const healthSchema = z.strictObject({
  /** A device whose execution SUCCEEDED must be online this long after it (it reboots into the update). */
  reconnectMinutes: z.optional(num(z.gte(1), z.lte(1440))),
  /** Every condition must hold on the SUCCEEDED execution's statusDetails (a missing key fails). */
  selfCheck: z.optional(
    z
      .record(detailKey, selfCheckConditionSchema)
      .check(
        z.refine(
          (r) => Object.keys(r).length >= 1 && Object.keys(r).length <= 10,
          'must name 1-10 keys (statusDetails holds at most 10)',
        ),
      ),
  ),
  /**
   * After a success the device's `$package` shadow must report every `job.destinationPackageVersions`
   * version (default: on when the job has them; `false` turns it off).
   */
  packageVersion: z.optional(z.boolean()),
  /** CloudWatch alarms watched while the stage runs: any in ALARM pauses (or halts) the rollout. */
  alarms: z.optional(
    z.strictObject({
      names: z.array(alarmName).check(
        z.minLength(1),
        z.maxLength(100, 'DescribeAlarms takes at most 100 names'),
        z.refine((n) => new Set(n).size === n.length, 'must not repeat an alarm'),
      ),
      action: z.optional(z.enum(['pause', 'halt'])),
    }),
  ),
});

/** What a halted rollout puts back on the devices that took the bad update (docs/rollouts.md, "Rollback"). */
const rollbackSchema = z.strictObject({
  document: z.optional(z.record(z.string(), z.unknown())),
  documentSource: z.optional(documentSourceSchema()),
  /** `rollout` (default): every stage so far; `stage`: only the stage that halted. */
  scope: z.optional(z.enum(['stage', 'rollout'])),
  /** Also roll back when an operator aborts (or only with `fleet rollout abort --rollback`). */
  onAbort: z.optional(z.boolean()),
  job: z.optional(
    z.strictObject({
      maximumPerMinute: z.optional(int(1, 1000)),
      inProgressTimeoutMinutes: z.optional(int(1, 10_080)),
      retries: z.optional(
        z.strictObject({ failed: z.optional(int(0, 10)), timedOut: z.optional(int(0, 10)) }),
      ),
    }),
  ),
  /**
   * How long the rollback is watched (default 24 h): then, with nothing in progress, it ends and names
   * the devices not reached (offline). Its job stays open, so a device that comes back still gets it.
   */
  watchHours: z.optional(int(1, 8760)),
  /** A rollback failing on more than this share of its devices asks a human at once (default 0.05). */
  failureThreshold: z.optional(num(z.gt(0), z.lte(0.5))),
});

const thingGroupName = z.string().check(z.regex(/^[a-zA-Z0-9:_-]{1,128}$/, 'must be a thing group name'));
const targetsSchema = z.array(thingGroupName).check(
  z.minLength(1),
  z.maxLength(100, 'a job has at most 100 targets'),
  z.refine((t) => new Set(t).size === t.length, 'must not repeat a group'),
);

const stageSettings = {
  gate: z.optional(gateSchema),
  approval: z.optional(approvalSchema),
  job: z.optional(jobSchema),
  cancel: z.optional(cancelSchema),
  health: z.optional(healthSchema),
};

/** A fleet indexing query (its syntax is checked with the plan: plan-targets.ts). */
const fleetQuerySchema = z
  .string()
  .check(
    z.minLength(1),
    z.maxLength(MAX_QUERY_LENGTH, `at most ${MAX_QUERY_LENGTH} characters (AWS's limit)`),
  );

export const stageSchema = z.strictObject({
  name: z.string().check(z.regex(/^[a-zA-Z0-9_-]{1,64}$/, 'must be 1-64 of [a-zA-Z0-9_-]')),
  /** Static thing groups; a stage needs these, a `query`, or both. */
  targets: z.optional(targetsSchema),
  /** Devices matching a fleet indexing query, through a dynamic thing group the rollout creates. */
  query: z.optional(fleetQuerySchema),
  /** The last, CONTINUOUS stage ends here (UTC) unless an operator completes the rollout first. */
  completeAt: z.optional(scheduleTime),
  /**
   * The stage's groups may not exist yet when the rollout starts (the grouping rules create them as
   * things arrive); without it, a missing group refuses the start. Per stage only, on purpose.
   */
  allowMissingTargets: z.optional(z.boolean()),
  ...stageSettings,
});

export const defaultsSchema = z.strictObject(stageSettings);

/** `s3://bucket/key`: a DNS-style bucket and a key of URL-safe characters only, so no injection. */
function documentSourceSchema() {
  return z.string().check(
    z.maxLength(1200),
    z.regex(
      /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/[A-Za-z0-9!_.*'()-][A-Za-z0-9!_.*'()/-]{0,1023}$/,
      "must be s3://<bucket>/<key> with a DNS-style bucket and a key of [A-Za-z0-9!_.*'()/-]",
    ),
    z.refine((s) => !s.includes('..') && !s.includes('//', 5), 'must not contain ".." or "//"'),
  );
}
export const documentSource = documentSourceSchema();

export const planSchema = z.strictObject({
  name: z
    .string()
    .check(z.minLength(1), z.maxLength(128), z.regex(/^[\x20-\x7e]+$/, 'must be printable ASCII')),
  description: z.optional(z.string().check(z.maxLength(2028))),
  document: z.optional(z.record(z.string(), z.unknown())),
  documentSource: z.optional(documentSource),
  /** Shortcut for a one-stage plan: `targets` without `stages`. */
  targets: z.optional(targetsSchema),
  stages: z.optional(z.array(stageSchema).check(z.minLength(1), z.maxLength(MAX_STAGES))),
  defaults: z.optional(defaultsSchema),
  rollback: z.optional(rollbackSchema),
});

export type StageInput = z.infer<typeof stageSchema>;
export type HealthInput = z.infer<typeof healthSchema>;
export type SelfCheckCondition = z.infer<typeof selfCheckConditionSchema>;
export type RollbackInput = z.infer<typeof rollbackSchema>;
