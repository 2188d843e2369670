import { notEmulatedMessage } from '../common/smithy';
import { IotError, invalidRequest, notFound } from './errors';
import { addThingToThingGroup } from './groups';
import { label, optString, paginate, type Request } from './input';
import { type IotContext, type Json, toSeconds } from './model';
import { parseTemplate, resolveValue, TemplateValueError } from './provisioning-template';
import type { RegistrationTask } from './registration-model';
import { createThing } from './things';

// API reference patterns for StartThingRegistrationTask.
const BUCKET = /^[a-zA-Z0-9._-]{3,256}$/;
const KEY = /^[a-zA-Z0-9!_.*'()\-/]{1,1024}$/;
/**
 * AWS documents no pace for bulk registration, only that it calls the control plane and can meet
 * its quotas: the emulator registers at CreateThing's default quota, 100 things a second.
 */
const REGISTRATION_RATE = 100;
const REPORT_BUCKET = 'aws-iot-thing-registration-reports';
const LINES_PER_REPORT = 10_000;

const view = (t: RegistrationTask): Json => ({
  taskId: t.taskId,
  creationDate: toSeconds(t.createdAt),
  lastModifiedDate: toSeconds(t.lastModifiedAt),
  templateBody: t.templateBody,
  inputFileBucket: t.inputFileBucket,
  inputFileKey: t.inputFileKey,
  roleArn: t.roleArn,
  status: t.status,
  ...(t.message ? { message: t.message } : {}),
  successCount: t.successCount,
  failureCount: t.failureCount,
  percentageProgress: t.lines?.length
    ? Math.floor((t.processed * 100) / t.lines.length)
    : t.status === 'Completed'
      ? 100
      : 0,
});

function requireTask(ctx: IotContext, taskId: string): RegistrationTask {
  const task = ctx.state.registrationTasks.get(taskId);
  if (!task) throw notFound(`Thing registration task ${taskId} does not exist`);
  return task;
}

/** StartThingRegistrationTask (POST /thing-registration-tasks): one task at a time per account. */
export function startThingRegistrationTask(ctx: IotContext, req: Request): Json {
  const b = req.body;
  const templateBody = optString(b, 'templateBody');
  const inputFileBucket = optString(b, 'inputFileBucket') ?? '';
  const inputFileKey = optString(b, 'inputFileKey') ?? '';
  const roleArn = optString(b, 'roleArn') ?? '';
  if (templateBody === undefined) throw invalidRequest('templateBody is required');
  if (!BUCKET.test(inputFileBucket)) throw invalidRequest('inputFileBucket must be 3-256 of [a-zA-Z0-9._-]');
  if (!KEY.test(inputFileKey)) throw invalidRequest("inputFileKey must be 1-1024 of [a-zA-Z0-9!_.*'()-/]");
  if (roleArn.length < 20 || roleArn.length > 2048 || !/^arn:aws[a-z-]*:iam::\d{12}:role\//.test(roleArn))
    throw invalidRequest('roleArn must be the ARN of an IAM role');
  if (!ctx.objects) throw invalidRequest(notEmulatedMessage('Bulk registration without the S3 emulator'));
  // Bulk registration guide: "Only one bulk registration operation task can run at a time (per account)."
  if ([...ctx.state.registrationTasks.values()].some((t) => t.status === 'InProgress'))
    throw invalidRequest('Another thing registration task is in progress; only one can run at a time');
  const template = parseTemplate(templateBody);
  const now = ctx.clock.now();
  const task: RegistrationTask = {
    taskId: ctx.newId(),
    createdAt: now,
    lastModifiedAt: now,
    templateBody,
    template,
    inputFileBucket,
    inputFileKey,
    roleArn,
    status: 'InProgress',
    processed: 0,
    successCount: 0,
    failureCount: 0,
    results: [],
    errors: [],
    reports: { RESULTS: [], ERRORS: [] },
  };
  const input = ctx.objects.get(inputFileBucket, inputFileKey);
  if (!input) {
    task.status = 'Failed';
    task.message = `The input file s3://${inputFileBucket}/${inputFileKey} does not exist or the role cannot read it`;
  } else
    task.lines = input
      .toString('utf8')
      .split(/\r?\n/)
      .filter((l) => l.trim() !== '');
  ctx.state.registrationTasks.set(task.taskId, task);
  return { taskId: task.taskId };
}

export function describeThingRegistrationTask(ctx: IotContext, req: Request): Json {
  return view(requireTask(ctx, label(req, 'taskId')));
}

export function listThingRegistrationTasks(ctx: IotContext, req: Request): Json {
  const status = req.query.get('status');
  const ids = [...ctx.state.registrationTasks.values()]
    .filter((t) => status === null || t.status === status)
    .map((t) => t.taskId);
  const { page, nextToken } = paginate(ids, req, 250);
  return { taskIds: page, nextToken };
}

/** ListThingRegistrationTaskReports: links to the report objects, written when the task ends. */
export function listThingRegistrationTaskReports(ctx: IotContext, req: Request): Json {
  const task = requireTask(ctx, label(req, 'taskId'));
  const reportType = req.query.get('reportType');
  if (reportType !== 'ERRORS' && reportType !== 'RESULTS')
    throw invalidRequest('reportType must be ERRORS or RESULTS');
  const links = task.reports[reportType].map((r) => ctx.objects?.url(r.bucket, r.key) ?? '');
  const { page, nextToken } = paginate(links, req, 250);
  return { resourceLinks: page, reportType, nextToken };
}

export function stopThingRegistrationTask(ctx: IotContext, req: Request): Json {
  const task = requireTask(ctx, label(req, 'taskId'));
  if (task.status !== 'InProgress') throw invalidRequest(`Task ${task.taskId} is ${task.status}`);
  finish(ctx, task, 'Cancelled');
  return {};
}

/** One input line: a thing from the template and the line's parameters; a failure is an error line. */
function registerLine(ctx: IotContext, task: RegistrationTask, offset: number, line: string): void {
  const fail = (errorCode: string, errorMessage: string) => {
    task.failureCount += 1;
    task.errors.push(JSON.stringify({ offset, errorCode, errorMessage }));
  };
  let params: Record<string, string>;
  try {
    const parsed = JSON.parse(line) as unknown;
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
    params = Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, String(v)]));
  } catch {
    fail('InvalidRequestException', 'The line is not a JSON object of parameter values');
    return;
  }
  const { thing: spec } = task.template;
  try {
    const thingName = resolveValue(spec.ThingName, params, task.template);
    const thingTypeName =
      spec.ThingTypeName === undefined ? undefined : resolveValue(spec.ThingTypeName, params, task.template);
    const attributes = Object.fromEntries(
      Object.entries(spec.AttributePayload ?? {}).map(([k, v]) => [
        k,
        resolveValue(v, params, task.template),
      ]),
    );
    const created = createThing(ctx, {
      labels: { thingName },
      query: new URLSearchParams(),
      body: { ...(thingTypeName ? { thingTypeName } : {}), attributePayload: { attributes } },
    });
    for (const group of spec.ThingGroups ?? [])
      addThingToThingGroup(ctx, {
        labels: {},
        query: new URLSearchParams(),
        body: { thingGroupName: resolveValue(group, params, task.template), thingName },
      });
    task.successCount += 1;
    task.results.push(
      JSON.stringify({
        offset,
        response: { ThingName: thingName, ThingArn: created.thingArn, ThingId: created.thingId },
      }),
    );
  } catch (error) {
    if (error instanceof IotError) fail(error.name, error.message);
    else if (error instanceof TemplateValueError) fail('InvalidRequestException', error.message);
    else throw error;
  }
}

function writeReports(ctx: IotContext, task: RegistrationTask): void {
  const objects = ctx.objects;
  if (!objects) return;
  objects.ensureBucket(REPORT_BUCKET);
  for (const type of ['RESULTS', 'ERRORS'] as const) {
    const lines = type === 'RESULTS' ? task.results : task.errors;
    for (let part = 0; part * LINES_PER_REPORT < lines.length; part++) {
      const key = `${task.taskId}/${type.toLowerCase()}/part-${String(part).padStart(4, '0')}.json`;
      const body = `${lines.slice(part * LINES_PER_REPORT, (part + 1) * LINES_PER_REPORT).join('\n')}\n`;
      objects.put(REPORT_BUCKET, key, Buffer.from(body), 'application/json');
      task.reports[type].push({ bucket: REPORT_BUCKET, key });
    }
  }
}

function finish(ctx: IotContext, task: RegistrationTask, status: RegistrationTask['status']): void {
  task.status = status;
  task.lastModifiedAt = ctx.clock.now();
  writeReports(ctx, task);
}

/** Registers the lines due by now (REGISTRATION_RATE a second since the start); run on every tick. */
export function processRegistrations(ctx: IotContext): void {
  const now = ctx.clock.now();
  for (const task of ctx.state.registrationTasks.values()) {
    if (task.status !== 'InProgress' || !task.lines) continue;
    const due = Math.min(task.lines.length, Math.floor(((now - task.createdAt) / 1000) * REGISTRATION_RATE));
    while (task.processed < due) {
      registerLine(ctx, task, task.processed, task.lines[task.processed] as string);
      task.processed += 1;
    }
    task.lastModifiedAt = now;
    if (task.processed >= task.lines.length) finish(ctx, task, 'Completed');
  }
}

/** The next whole second at which a running task has more lines due. */
export function nextRegistrationDue(ctx: IotContext): number | undefined {
  const times = [...ctx.state.registrationTasks.values()]
    .filter((t) => t.status === 'InProgress' && t.lines)
    .map((t) => t.createdAt + (Math.floor(t.processed / REGISTRATION_RATE) + 1) * 1000);
  return times.length > 0 ? Math.min(...times) : undefined;
}
