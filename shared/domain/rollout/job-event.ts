import * as z from '../../zod';
import type { DomainEvent } from '../events/domain-event';
import { eventTimeMs, eventTimestamp } from '../events/registry-event';
import { MAX_STAGES, parseJobId, rolloutIdSchema } from './ids';

// Payloads as the AWS IoT developer guide documents them ("Jobs events").

const jobId = z.string().check(z.regex(/^[a-zA-Z0-9_-]{1,64}$/, 'jobId must be 1-64 of [a-zA-Z0-9_-]'));
const eventId = z.string().check(z.minLength(1), z.maxLength(256));
const timestamp = eventTimestamp;

export const jobExecutionEventSchema = z.object({
  eventType: z.literal('JOB_EXECUTION'),
  eventId,
  timestamp,
  operation: z.enum(['succeeded', 'failed', 'rejected', 'canceled', 'removed', 'timed_out', 'deleted']),
  jobId,
  thingArn: z.string().check(z.regex(/^arn:aws[\w-]*:iot:[\w-]+:\d{12}:thing\/[a-zA-Z0-9:_-]{1,128}$/)),
  status: z.enum([
    'QUEUED',
    'IN_PROGRESS',
    'SUCCEEDED',
    'FAILED',
    'TIMED_OUT',
    'REJECTED',
    'REMOVED',
    'CANCELED',
  ]),
  statusDetails: z.nullish(z.record(z.string(), z.string())),
});

export const jobEventSchema = z.object({
  eventType: z.literal('JOB'),
  eventId,
  timestamp,
  operation: z.enum(['completed', 'canceled', 'deleted', 'cancellation_in_progress', 'deletion_in_progress']),
  jobId,
  status: z.optional(z.string().check(z.maxLength(64))),
  comment: z.nullish(z.string().check(z.maxLength(2028))),
  jobProcessDetails: z.nullish(z.record(z.string(), z.int().check(z.nonnegative()))),
});

export const iotJobEventSchema = z.discriminatedUnion('eventType', [jobExecutionEventSchema, jobEventSchema]);
export type IotJobEvent = z.infer<typeof iotJobEventSchema>;

/**
 * How a terminal execution is counted. The failure statuses stay apart because a plan says which
 * of them are failures (gate.failureStatuses); CANCELED and REMOVED are excluded (exposure unknown).
 */
export const EXECUTION_OUTCOMES = ['succeeded', 'failed', 'rejected', 'timedOut', 'excluded'] as const;
export type ExecutionOutcome = (typeof EXECUTION_OUTCOMES)[number];

const OUTCOME_OF: Record<string, ExecutionOutcome> = {
  SUCCEEDED: 'succeeded',
  FAILED: 'failed',
  REJECTED: 'rejected',
  TIMED_OUT: 'timedOut',
  CANCELED: 'excluded',
  REMOVED: 'excluded',
};

/** QUEUED and IN_PROGRESS count as nothing (not successes). */
export function outcomeOf(status: string): ExecutionOutcome | undefined {
  return OUTCOME_OF[status];
}

export const DETAIL_TYPES = {
  EXECUTION_TERMINAL: 'JobExecutionTerminal',
  JOB_COMPLETED: 'JobCompleted',
  JOB_CANCELED: 'JobCanceled',
  JOB_CANCELLATION_IN_PROGRESS: 'JobCancellationInProgress',
  JOB_DELETED: 'JobDeleted',
  JOB_DELETION_IN_PROGRESS: 'JobDeletionInProgress',
} as const;

const JOB_DETAIL_TYPES: Record<string, string> = {
  completed: DETAIL_TYPES.JOB_COMPLETED,
  canceled: DETAIL_TYPES.JOB_CANCELED,
  cancellation_in_progress: DETAIL_TYPES.JOB_CANCELLATION_IN_PROGRESS,
  deleted: DETAIL_TYPES.JOB_DELETED,
  deletion_in_progress: DETAIL_TYPES.JOB_DELETION_IN_PROGRESS,
};

/**
 * True when an event's rollout and stage are the ones its jobId names, or it names none for a job that
 * is not a stage's. The jobId is the source of truth (AWS IoT stamps it; a stage counts only events of
 * the job it runs): the bridge's parsed fields route the event, never point it elsewhere.
 */
export function namesItsJob(e: { jobId: unknown; rolloutId?: unknown; stageIndex?: unknown }): boolean {
  const owner = typeof e.jobId === 'string' ? parseJobId(e.jobId) : undefined;
  return owner
    ? e.rolloutId === owner.rolloutId && e.stageIndex === owner.stageIndex
    : e.rolloutId === undefined && e.stageIndex === undefined;
}

/** The normalized detail of a `JobExecutionTerminal` event, which the tracker consumes. */
const executionTerminalShape = z.object({
  eventId,
  jobId,
  thingName: z.string().check(z.regex(/^[a-zA-Z0-9:_-]{1,128}$/)),
  thingArn: z.string(),
  status: z.string(),
  outcome: z.enum(EXECUTION_OUTCOMES),
  /** Epoch ms. */
  at: eventTimestamp,
  /** The stage's rollout and index, which the bridge parsed from jobId (absent: not a stage's job). */
  rolloutId: z.optional(rolloutIdSchema),
  stageIndex: z.optional(z.int().check(z.gte(0), z.lt(MAX_STAGES))),
  /** A SUCCEEDED execution's statusDetails (a plan's self-check reads them; at most 10 pairs). */
  statusDetails: z.optional(
    z.record(z.string().check(z.maxLength(128)), z.string().check(z.maxLength(1024))),
  ),
});
export const executionTerminalSchema = executionTerminalShape.check(
  z.refine(namesItsJob, {
    message: 'rolloutId and stageIndex must be the ones the jobId names',
    path: ['rolloutId'],
  }),
);
export type ExecutionTerminal = z.infer<typeof executionTerminalSchema>;

/**
 * The domain event for one IoT job event: timestamps in ms, outcome classified, rollout and stage
 * named when the job is one of ours. Non-terminal or deleted executions give nothing.
 */
export function normalizeJobEvent(event: IotJobEvent): DomainEvent | undefined {
  const at = eventTimeMs(event.timestamp);
  const owner = parseJobId(event.jobId);
  if (event.eventType === 'JOB_EXECUTION') {
    const outcome = outcomeOf(event.status);
    if (!outcome || event.operation === 'deleted') return undefined;
    const thingName = event.thingArn.slice(event.thingArn.indexOf(':thing/') + ':thing/'.length);
    const detail: ExecutionTerminal = {
      eventId: event.eventId,
      jobId: event.jobId,
      thingName,
      thingArn: event.thingArn,
      status: event.status,
      outcome,
      at,
      ...owner,
      ...(outcome === 'succeeded' && event.statusDetails ? { statusDetails: event.statusDetails } : {}),
    };
    return { detailType: DETAIL_TYPES.EXECUTION_TERMINAL, detail, resources: [event.thingArn], time: at };
  }
  const processDetails = event.jobProcessDetails ?? undefined;
  return {
    detailType: JOB_DETAIL_TYPES[event.operation] ?? DETAIL_TYPES.JOB_COMPLETED,
    detail: {
      eventId: event.eventId,
      jobId: event.jobId,
      status: event.status,
      at,
      ...(processDetails ? { jobProcessDetails: processDetails } : {}),
      ...owner,
    },
    time: at,
  };
}

export type ExecutionMark = { at: number; eventId: string; outcome: ExecutionOutcome };

/** Newest timestamp wins per thing; equal timestamps break on eventId, so every order converges. */
export function supersedes(next: ExecutionMark, current: ExecutionMark | undefined): boolean {
  if (!current) return true;
  if (next.at !== current.at) return next.at > current.at;
  return next.eventId > current.eventId;
}

/** Counter changes when a thing's execution moves from `previous` to `next` (a retry can turn FAILED into SUCCEEDED). */
export function counterDelta(
  previous: ExecutionOutcome | undefined,
  next: ExecutionOutcome,
): Record<ExecutionOutcome, number> {
  const delta = { succeeded: 0, failed: 0, rejected: 0, timedOut: 0, excluded: 0 };
  if (previous === next) return delta;
  delta[next] += 1;
  if (previous) delta[previous] -= 1;
  return delta;
}
