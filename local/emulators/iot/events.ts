import { invalidRequest } from './errors';
import type { Request } from './input';
import {
  EVENT_TYPES,
  type EventType,
  type ExecutionRecord,
  type IotContext,
  type JobRecord,
  type Json,
  type ThingGroupRecord,
  type ThingRecord,
} from './model';

// Payload shapes follow the AWS IoT Developer Guide ("Registry events", "Jobs events").

export function describeEventConfigurations(ctx: IotContext): Json {
  const eventConfigurations: Record<string, { Enabled: boolean }> = {};
  for (const t of EVENT_TYPES) eventConfigurations[t] = { Enabled: ctx.state.eventConfig.get(t) ?? false };
  return {
    eventConfigurations,
    creationDate: ctx.state.eventConfigCreatedAt / 1000,
    lastModifiedDate: ctx.state.eventConfigUpdatedAt / 1000,
  };
}

export function updateEventConfigurations(ctx: IotContext, req: Request): Json {
  const configs = req.body.eventConfigurations;
  if (configs === null || typeof configs !== 'object' || Array.isArray(configs)) {
    throw invalidRequest('eventConfigurations must be a map of event type to {Enabled}');
  }
  const updates: [EventType, boolean][] = [];
  for (const [type, cfg] of Object.entries(configs as Json)) {
    if (!(EVENT_TYPES as readonly string[]).includes(type))
      throw invalidRequest(`Unknown event type ${type}`);
    const enabled = (cfg as Json | null)?.Enabled;
    if (typeof enabled !== 'boolean') throw invalidRequest(`${type}.Enabled must be a boolean`);
    updates.push([type as EventType, enabled]);
  }
  for (const [type, enabled] of updates) ctx.state.eventConfig.set(type, enabled);
  ctx.state.eventConfigUpdatedAt = ctx.clock.now();
  return {};
}

function base(ctx: IotContext, eventType: string): Json {
  return { eventType, eventId: ctx.newId().replaceAll('-', ''), timestamp: ctx.clock.now() };
}

export function publishThing(
  ctx: IotContext,
  thing: ThingRecord,
  op: 'created' | 'updated' | 'deleted',
): void {
  ctx.publish('THING', `$aws/events/thing/${thing.thingName}/${op}`, {
    ...base(ctx, 'THING_EVENT'),
    operation: op.toUpperCase(),
    accountId: ctx.accountId,
    thingId: thing.thingId,
    thingName: thing.thingName,
    versionNumber: thing.version,
    thingTypeName: thing.thingTypeName ?? null,
    attributes: { ...thing.attributes },
  });
}

export function publishThingGroup(
  ctx: IotContext,
  group: ThingGroupRecord,
  roots: ThingGroupRecord[],
  op: 'created' | 'deleted' = 'created',
): void {
  const parent = roots.at(-1);
  ctx.publish('THING_GROUP', `$aws/events/thingGroup/${group.thingGroupName}/${op}`, {
    ...base(ctx, 'THING_GROUP_EVENT'),
    operation: op.toUpperCase(),
    accountId: ctx.accountId,
    thingGroupId: group.thingGroupId,
    thingGroupName: group.thingGroupName,
    versionNumber: group.version,
    parentGroupName: parent?.thingGroupName ?? null,
    parentGroupId: parent?.thingGroupId ?? null,
    description: group.description ?? null,
    rootToParentThingGroups: roots.map((g) => ({ groupArn: g.thingGroupArn, groupId: g.thingGroupId })),
    attributes: { ...group.attributes },
    dynamicGroupMappingId: group.dynamic ? group.thingGroupId : null,
  });
}

export function publishMembership(
  ctx: IotContext,
  group: ThingGroupRecord,
  thing: ThingRecord,
  op: 'added' | 'removed',
): void {
  const topic = `$aws/events/thingGroupMembership/thingGroup/${group.thingGroupName}/thing/${thing.thingName}/${op}`;
  ctx.publish('THING_GROUP_MEMBERSHIP', topic, {
    ...base(ctx, 'THING_GROUP_MEMBERSHIP_EVENT'),
    operation: op.toUpperCase(),
    accountId: ctx.accountId,
    groupArn: group.thingGroupArn,
    groupId: group.thingGroupId,
    thingArn: thing.thingArn,
    thingId: thing.thingId,
    membershipId: `${group.thingGroupId}:${thing.thingId}`,
  });
}

/** Job events: the documented examples carry a 10-digit (seconds) timestamp and 13-digit *At fields. */
export function publishJob(
  ctx: IotContext,
  job: JobRecord,
  op: 'completed' | 'canceled' | 'cancellation_in_progress',
): void {
  const payload: Json = {
    eventType: 'JOB',
    eventId: ctx.newId().replaceAll('-', ''),
    timestamp: Math.floor(ctx.clock.now() / 1000),
    operation: op,
    jobId: job.jobId,
    status: op === 'cancellation_in_progress' ? 'CANCELLATION_IN_PROGRESS' : job.status,
    targetSelection: job.targetSelection,
    targets: [...job.targets],
    description: job.description,
    createdAt: job.createdAt,
    lastUpdatedAt: job.lastUpdatedAt,
  };
  if (op !== 'cancellation_in_progress') payload.completedAt = job.completedAt;
  if (op !== 'completed') payload.comment = job.comment;
  if (op === 'completed') {
    const n = (s: string) => [...job.executions.values()].filter((e) => e.status === s).length;
    payload.jobProcessDetails = {
      numberOfCanceledThings: n('CANCELED'),
      numberOfRejectedThings: n('REJECTED'),
      numberOfFailedThings: n('FAILED'),
      numberOfRemovedThings: n('REMOVED'),
      numberOfSucceededThings: n('SUCCEEDED'),
    };
  }
  ctx.publish('JOB', `$aws/events/job/${job.jobId}/${op}`, payload);
}

export function publishExecution(ctx: IotContext, exec: ExecutionRecord): void {
  const op = exec.status.toLowerCase();
  ctx.publish('JOB_EXECUTION', `$aws/events/jobExecution/${exec.jobId}/${op}`, {
    eventType: 'JOB_EXECUTION',
    eventId: ctx.newId().replaceAll('-', ''),
    timestamp: Math.floor(ctx.clock.now() / 1000),
    operation: op,
    jobId: exec.jobId,
    thingArn: exec.thingArn,
    status: exec.status,
    statusDetails: { ...exec.statusDetails },
  });
}
