import {
  DescribeThingRegistrationTaskCommand,
  type IoTClient,
  ListThingRegistrationTaskReportsCommand,
  StartThingRegistrationTaskCommand,
} from '@aws-sdk/client-iot';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import {
  type BulkBatch,
  bulkBatches,
  type LineError,
  reportErrors,
} from '../../shared/domain/onboarding/bulk-plan';
import { type OnboardState, onboardKey, remainingThings } from '../../shared/domain/onboarding/resume';
import type { ThingSpec } from '../../shared/domain/onboarding/things-csv';
import { CliError, EXIT, type Io, line } from '../io';
import { progress } from '../progress';
import { saveState } from '../state-file';
import { s3Client, type Target } from '../target';

export type BulkOptions = { bucket?: string; roleArn?: string; pollSeconds: number };
export type BulkOutcome = { failed: LineError[]; interrupted: boolean; taskIds: string[] };

const TERMINAL = new Set(['Completed', 'Failed', 'Cancelled']);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function settings(opts: BulkOptions, io: Io) {
  const bucket = opts.bucket ?? io.env.FLEET_BULK_BUCKET;
  const roleArn = opts.roleArn ?? io.env.FLEET_BULK_ROLE_ARN;
  if (!bucket || !roleArn)
    throw new CliError(
      EXIT.USAGE,
      `bulk registration needs ${!bucket ? '--bucket / FLEET_BULK_BUCKET' : '--role-arn / FLEET_BULK_ROLE_ARN'}`,
      'the stack outputs BulkRegistrationBucketName and BulkRegistrationRoleArn (npx sls info --verbose); `npm start -- --serve` prints both',
    );
  return { bucket, roleArn };
}

/** Uploads the batch's input file and starts its task, waiting while another task of the account runs. */
async function startTask(
  iot: IoTClient,
  target: Target,
  batch: BulkBatch,
  inputKey: string,
  s: ReturnType<typeof settings>,
  pollMs: number,
  io: Io,
) {
  await s3Client(target).send(
    new PutObjectCommand({
      Bucket: s.bucket,
      Key: inputKey,
      Body: batch.inputBody,
      ContentType: 'application/x-ndjson',
    }),
  );
  for (let waited = 0; ; waited++) {
    try {
      const { taskId } = await iot.send(
        new StartThingRegistrationTaskCommand({
          templateBody: batch.templateBody,
          inputFileBucket: s.bucket,
          inputFileKey: inputKey,
          roleArn: s.roleArn,
        }),
      );
      if (!taskId) throw new Error('StartThingRegistrationTask returned no task id');
      return taskId;
    } catch (error) {
      // Bulk registration guide: one task at a time per account. Wait for the other one.
      if (!/in progress|one can run|at a time/i.test((error as Error).message) || waited > 720) throw error;
      if (waited === 0)
        line(io.stderr, 'another registration task of the account is running: waiting for it');
      await sleep(pollMs);
    }
  }
}

/** The ERRORS report's objects (pre-signed links), read and mapped to the CSV's lines. */
async function taskErrors(iot: IoTClient, taskId: string, batch: BulkBatch): Promise<LineError[]> {
  const errors: LineError[] = [];
  let nextToken: string | undefined;
  do {
    const page = await iot.send(
      new ListThingRegistrationTaskReportsCommand({ taskId, reportType: 'ERRORS', nextToken }),
    );
    for (const link of page.resourceLinks ?? []) {
      const response = await fetch(link);
      if (!response.ok)
        throw new Error(`cannot read the error report of task ${taskId}: HTTP ${response.status}`);
      errors.push(...reportErrors(batch, await response.text()));
    }
    nextToken = page.nextToken;
  } while (nextToken);
  return errors;
}

/**
 * Registers the remaining things with AWS IoT bulk registration: per batch, the input file to S3, a
 * registration task (its id saved at once, so a rerun follows it instead of starting another), a
 * progress bar from DescribeThingRegistrationTask, then the ERRORS report read back per CSV line.
 * Things of a batch that has no error line are done; a conflict (409) is reported like the paced path's.
 */
export async function onboardBulk(
  iot: IoTClient,
  target: Target,
  csv: { text: string; things: ThingSpec[] },
  state: OnboardState,
  stateFile: string,
  opts: BulkOptions,
  io: Io,
): Promise<BulkOutcome> {
  const s = settings(opts, io);
  const pollMs = Math.max(10, opts.pollSeconds * 1000);
  const batches = bulkBatches(remainingThings(csv.things, state));
  const total = batches.reduce((n, b) => n + b.things.length, 0);
  const bar = progress(io.stderr, total, 'register');
  const outcome: BulkOutcome = { failed: [], interrupted: false, taskIds: [] };
  let offset = 0;
  for (const batch of batches) {
    state.bulkTasks ??= {};
    const inputKey = `input/${onboardKey(csv.text)}/${batch.key}.jsonl`;
    const known = state.bulkTasks[batch.key];
    const taskId = known?.taskId ?? (await startTask(iot, target, batch, inputKey, s, pollMs, io));
    if (!known) {
      state.bulkTasks[batch.key] = { taskId, inputKey };
      saveState(stateFile, state);
    } else line(io.stderr, `following registration task ${taskId} started earlier`);
    outcome.taskIds.push(taskId);
    let task = await iot.send(new DescribeThingRegistrationTaskCommand({ taskId }));
    while (!TERMINAL.has(task.status ?? '')) {
      const processed = (task.successCount ?? 0) + (task.failureCount ?? 0);
      bar.update(
        offset + processed,
        `task ${taskId} ${task.percentageProgress ?? 0}% failed ${task.failureCount ?? 0}`,
      );
      if (io.signal?.aborted) {
        bar.finish();
        outcome.interrupted = true;
        return outcome;
      }
      await sleep(pollMs);
      task = await iot.send(new DescribeThingRegistrationTaskCommand({ taskId }));
    }
    if (task.status !== 'Completed') {
      bar.finish();
      delete state.bulkTasks[batch.key];
      saveState(stateFile, state);
      throw new CliError(
        EXIT.FAILURE,
        `registration task ${taskId} ${task.status}: ${task.message ?? 'no message'}`,
        'the things of that batch were not all registered; rerun to start it again',
      );
    }
    const errors = await taskErrors(iot, taskId, batch);
    const failedNames = new Set(errors.map((e) => e.thingName));
    for (const t of batch.things) if (!failedNames.has(t.thingName)) state.done.push(t.thingName);
    for (const e of errors) {
      if (e.code === 'ResourceAlreadyExistsException')
        state.conflicts.push({ thingName: e.thingName, line: e.line, message: e.message });
      else outcome.failed.push(e);
    }
    delete state.bulkTasks[batch.key];
    saveState(stateFile, state);
    offset += batch.things.length;
    bar.update(offset, `task ${taskId} done, ${errors.length} error line(s)`);
  }
  bar.finish();
  return outcome;
}
