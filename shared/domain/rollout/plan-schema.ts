import { z } from 'zod';
import { INCONCLUSIVE_ACTIONS } from '../gate';
import { MAX_STAGES } from './ids';

/** What an operator writes. Every object is strict, so a misspelt key is an error, never a silent default. */

const int = (min: number, max: number) => z.number().int().min(min).max(max);

export const gateSchema = z.strictObject({
  failureThreshold: z.number().gt(0).lt(1).optional(),
  confidence: z.number().min(0.5).max(0.9999).optional(),
  minFinished: int(1, 1_000_000).optional(),
  bakeMinutes: z.number().min(0).max(525_600).optional(),
  deadlineMinutes: z.number().gt(0).max(525_600).optional(),
  onInconclusive: z.enum(INCONCLUSIVE_ACTIONS).optional(),
});

export const approvalSchema = z.strictObject({
  required: z.boolean().optional(),
  /** Step Functions callback timeout; an unanswered approval halts the rollout. */
  timeoutMinutes: int(1, 525_600).optional(),
});

const exponentialRate = z.strictObject({
  baseRatePerMinute: int(1, 1000),
  incrementFactor: z
    .number()
    .min(1.1)
    .max(5)
    .refine((v) => Math.abs(v * 10 - Math.round(v * 10)) < 1e-9, 'at most one decimal place'),
  rateIncreaseCriteria: z.union([
    z.strictObject({ numberOfNotifiedThings: int(1, 1_000_000) }),
    z.strictObject({ numberOfSucceededThings: int(1, 1_000_000) }),
  ]),
});

const abortCriterion = z.strictObject({
  failureType: z.enum(['FAILED', 'REJECTED', 'TIMED_OUT', 'ALL']),
  action: z.literal('CANCEL').optional(),
  thresholdPercentage: z.number().gt(0).max(100),
  minNumberOfExecutedThings: int(1, 1_000_000),
});

const maintenanceWindow = z.strictObject({
  startTime: z
    .string()
    .min(1)
    .max(256)
    .regex(/^cron\([0-9A-Za-z*?,/#LW -]+\)$/, 'must be a cron(...) expression'),
  durationInMinutes: int(1, 1430),
});

const scheduleTime = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/, 'must be YYYY-MM-DDTHH:MM (UTC, as AWS IoT expects)');

export const jobSchema = z.strictObject({
  targetSelection: z.enum(['SNAPSHOT', 'CONTINUOUS']).optional(),
  rollout: z
    .strictObject({ maximumPerMinute: int(1, 1000).optional(), exponentialRate: exponentialRate.optional() })
    .optional(),
  inProgressTimeoutMinutes: int(1, 10_080).optional(),
  retries: z.strictObject({ failed: int(0, 10).optional(), timedOut: int(0, 10).optional() }).optional(),
  /** AWS's own abort, a backstop under our gate (it cancels only QUEUED executions). */
  abortConfig: z.array(abortCriterion).min(1).max(4).optional(),
  scheduling: z
    .strictObject({
      startTime: scheduleTime.optional(),
      endTime: scheduleTime.optional(),
      endBehavior: z.enum(['STOP_ROLLOUT', 'CANCEL', 'FORCE_CANCEL']).optional(),
      maintenanceWindows: z.array(maintenanceWindow).min(1).max(10).optional(),
    })
    .optional(),
});

export const cancelSchema = z.strictObject({ force: z.boolean().optional() });

const thingGroupName = z.string().regex(/^[a-zA-Z0-9:_-]{1,128}$/, 'must be a thing group name');
export const targetsSchema = z
  .array(thingGroupName)
  .min(1)
  .max(100, 'a job has at most 100 targets')
  .refine((t) => new Set(t).size === t.length, 'must not repeat a group');

const stageSettings = {
  gate: gateSchema.optional(),
  approval: approvalSchema.optional(),
  job: jobSchema.optional(),
  cancel: cancelSchema.optional(),
};

export const stageSchema = z.strictObject({
  name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, 'must be 1-64 of [a-zA-Z0-9_-]'),
  targets: targetsSchema,
  ...stageSettings,
});

/** `s3://bucket/key`: a DNS-style bucket and a key of URL-safe characters only, so no injection. */
export const documentSource = z
  .string()
  .max(1200)
  .regex(
    /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/[A-Za-z0-9!_.*'()-][A-Za-z0-9!_.*'()/-]{0,1023}$/,
    "must be s3://<bucket>/<key> with a DNS-style bucket and a key of [A-Za-z0-9!_.*'()/-]",
  )
  .refine((s) => !s.includes('..') && !s.includes('//', 5), 'must not contain ".." or "//"');

export const planSchema = z.strictObject({
  name: z
    .string()
    .min(1)
    .max(128)
    .regex(/^[\x20-\x7e]+$/, 'must be printable ASCII'),
  description: z.string().max(2028).optional(),
  document: z.record(z.string(), z.unknown()).optional(),
  documentSource: documentSource.optional(),
  /** Shortcut for a one-stage plan: `targets` without `stages`. */
  targets: targetsSchema.optional(),
  stages: z.array(stageSchema).min(1).max(MAX_STAGES).optional(),
  defaults: z.strictObject(stageSettings).optional(),
});

export type PlanInput = z.infer<typeof planSchema>;
export type StageInput = z.infer<typeof stageSchema>;
