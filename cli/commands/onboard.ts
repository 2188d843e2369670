import { readFileSync } from 'node:fs';
import {
  CreateThingCommand,
  CreateThingTypeCommand,
  DescribeThingTypeCommand,
  type IoTClient,
} from '@aws-sdk/client-iot';
import { remainingThings, startOffsetMs } from '../../shared/domain/onboarding/resume';
import { parseThingsCsv, type ThingSpec } from '../../shared/domain/onboarding/things-csv';
import { CliError, EXIT, type Io, line } from '../io';
import { printJson, printTable } from '../output';
import { progress } from '../progress';
import { loadState, saveState, stateFileFor } from '../state-file';
import { type GlobalOptions, iotClient, resolvePath, resolveTarget } from '../target';
import { onboardBulk } from './onboard-bulk';

export type OnboardOptions = GlobalOptions & {
  rate: number;
  limit?: number;
  createTypes?: boolean;
  dryRun?: boolean;
  concurrency: number;
  /** AWS IoT bulk registration instead of paced CreateThing calls; forced over `bulkThreshold` things. */
  bulk?: boolean;
  bulkThreshold: number;
  bucket?: string;
  roleArn?: string;
  pollSeconds: number;
};

/** Over this many things to create, `fleet onboard` registers them in bulk (a task, not paced calls). */
export const BULK_THRESHOLD = 5000;

/** Reads and validates a things CSV; every problem by line, exit 2, before any AWS call. */
export function readThingsFile(io: Io, file: string) {
  let text: string;
  try {
    text = readFileSync(resolvePath(io, file), 'utf8');
  } catch (error) {
    throw new CliError(EXIT.USAGE, `cannot read ${file}: ${(error as Error).message}`, 'check the path');
  }
  const parsed = parseThingsCsv(text);
  if (parsed.problems.length > 0) {
    throw new CliError(
      EXIT.USAGE,
      `${file}: ${parsed.problems.length} problem(s); nothing was written`,
      'fix every line listed and rerun (the header is thingName,thingType,attr.<key>...; see docs/cli.md)',
      parsed.problems.map((p) => `line ${p.line}: ${p.message}`),
    );
  }
  return { text, ...parsed };
}

export async function onboard(file: string, opts: OnboardOptions, io: Io): Promise<number> {
  if (!(opts.rate > 0 && opts.rate <= 1000))
    throw new CliError(EXIT.USAGE, '--rate must be between 1 and 1000 per second');
  const csv = readThingsFile(io, file);
  const stateFile = stateFileFor(io.cwd, csv.text);
  const state = loadState(stateFile, csv.text, file);
  const before = state.done.length;
  const todo = remainingThings(csv.things, state);
  const batch = opts.limit !== undefined ? todo.slice(0, Math.max(0, opts.limit)) : todo;
  if (opts.dryRun) {
    line(
      io.stderr,
      `${file}: ${csv.things.length} things valid; ${todo.length} to create, ${before} done earlier`,
    );
    return EXIT.OK;
  }
  const target = resolveTarget(opts, io);
  const iot = iotClient(target, 8);
  await ensureThingTypes(iot, todo, Boolean(opts.createTypes), io);
  if (opts.bulk || todo.length > opts.bulkThreshold) {
    if (opts.limit !== undefined)
      throw new CliError(EXIT.USAGE, '--limit applies to paced onboarding, not --bulk');
    const started = Date.now();
    const outcome = await onboardBulk(iot, target, csv, state, stateFile, opts, io);
    return finishBulk(file, csv.things.length, before, state, stateFile, outcome, started, opts, io);
  }
  const failed: { thingName: string; line: number; message: string }[] = [];
  const bar = progress(io.stderr, batch.length, 'onboard');
  let finished = 0;
  let lastSave = Date.now();
  const report = () => {
    finished += 1;
    bar.update(finished, `conflicts ${state.conflicts.length} failed ${failed.length}`);
    if (Date.now() - lastSave > 1000 || finished % 100 === 0) {
      saveState(stateFile, state);
      lastSave = Date.now();
    }
  };
  const create = async (thing: ThingSpec) => {
    try {
      await iot.send(
        new CreateThingCommand({
          thingName: thing.thingName,
          ...(thing.thingType ? { thingTypeName: thing.thingType } : {}),
          attributePayload: { attributes: thing.attributes },
        }),
      );
      state.done.push(thing.thingName);
    } catch (error) {
      const e = error as Error;
      const entry = { thingName: thing.thingName, line: thing.line, message: e.message };
      if (e.name === 'ResourceAlreadyExistsException') state.conflicts.push(entry);
      else failed.push({ ...entry, message: `${e.name}: ${e.message}` });
    }
    report();
  };
  const started = Date.now();
  const inFlight = new Set<Promise<void>>();
  let interrupted = false;
  for (const [i, thing] of batch.entries()) {
    if (io.signal?.aborted) {
      interrupted = true;
      break;
    }
    const wait = started + startOffsetMs(i, opts.rate) - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    while (inFlight.size >= opts.concurrency) await Promise.race(inFlight);
    const work = create(thing).finally(() => inFlight.delete(work));
    inFlight.add(work);
  }
  await Promise.all(inFlight);
  bar.finish();
  saveState(stateFile, state);
  const remaining = remainingThings(csv.things, state).length;
  const summary = {
    file,
    things: csv.things.length,
    doneEarlier: before,
    createdNow: state.done.length - before,
    conflicts: state.conflicts,
    failed,
    remaining,
    stateFile,
    seconds: Math.round((Date.now() - started) / 100) / 10,
  };
  if (opts.json) printJson(io.stdout, summary);
  else {
    printSummaryTable(io, summary);
    for (const f of failed) line(io.stderr, `failed line ${f.line}: ${f.thingName}: ${f.message}`);
    if (remaining > 0)
      line(
        io.stderr,
        `${remaining} thing(s) not created yet: rerun \`fleet onboard ${file}\` to resume (state: ${stateFile})`,
      );
  }
  if (interrupted) {
    line(io.stderr, `interrupted: progress saved in ${stateFile}`);
    return EXIT.INTERRUPTED;
  }
  if (failed.length > 0) return EXIT.FAILURE;
  return state.conflicts.length > 0 ? EXIT.CONFLICT : EXIT.OK;
}

/** CreateThing fails for an unknown thing type: check them all first (or create them). */
async function ensureThingTypes(iot: IoTClient, things: ThingSpec[], create: boolean, io: Io) {
  const lines = new Map<string, number[]>();
  for (const t of things)
    if (t.thingType) lines.set(t.thingType, [...(lines.get(t.thingType) ?? []), t.line]);
  const missing: string[] = [];
  for (const type of lines.keys()) {
    try {
      await iot.send(new DescribeThingTypeCommand({ thingTypeName: type }));
    } catch (error) {
      if ((error as Error).name !== 'ResourceNotFoundException') throw error;
      if (!create) missing.push(type);
      else {
        await iot.send(new CreateThingTypeCommand({ thingTypeName: type }));
        line(io.stderr, `created thing type ${type}`);
      }
    }
  }
  if (missing.length > 0)
    throw new CliError(
      EXIT.USAGE,
      `thing type(s) do not exist: ${missing.join(', ')}; nothing was written`,
      'create them (aws iot create-thing-type --thing-type-name NAME) or rerun with --create-types',
      missing.map((m) => `${m}: lines ${(lines.get(m) ?? []).slice(0, 10).join(', ')}`),
    );
}

function finishBulk(
  file: string,
  things: number,
  before: number,
  state: Parameters<typeof saveState>[1],
  stateFile: string,
  outcome: Awaited<ReturnType<typeof onboardBulk>>,
  started: number,
  opts: OnboardOptions,
  io: Io,
): number {
  const remaining = things - state.done.length - state.conflicts.length;
  const summary = {
    file,
    mode: 'bulk',
    taskIds: outcome.taskIds,
    things,
    doneEarlier: before,
    createdNow: state.done.length - before,
    conflicts: state.conflicts,
    failed: outcome.failed,
    remaining,
    stateFile,
    seconds: Math.round((Date.now() - started) / 100) / 10,
  };
  if (opts.json) printJson(io.stdout, summary);
  else {
    // The task's error lines, in the format of the CSV's own validation: by line of the file.
    printSummaryTable(io, summary);
    for (const f of outcome.failed)
      line(io.stderr, `line ${f.line}: ${f.thingName}: ${f.message} (${f.code})`);
  }
  if (outcome.interrupted) {
    line(
      io.stderr,
      `interrupted: the registration task keeps running in AWS IoT; rerun \`fleet onboard ${file} --bulk\` to follow it (state: ${stateFile})`,
    );
    return EXIT.INTERRUPTED;
  }
  if (outcome.failed.length > 0) return EXIT.FAILURE;
  return state.conflicts.length > 0 ? EXIT.CONFLICT : EXIT.OK;
}

type SummaryCounts = {
  things: number;
  doneEarlier: number;
  createdNow: number;
  conflicts: { line: number; thingName: string; message: string }[];
  failed: unknown[];
  remaining: number;
};

/** The counts table on stdout, then each conflict on stderr by line of the CSV. */
function printSummaryTable(io: Io, summary: SummaryCounts): void {
  printTable(
    io.stdout,
    [summary],
    [
      { header: 'things', value: (s) => String(s.things) },
      { header: 'done earlier', value: (s) => String(s.doneEarlier) },
      { header: 'created now', value: (s) => String(s.createdNow) },
      { header: 'conflicts', value: (s) => String(s.conflicts.length) },
      { header: 'failed', value: (s) => String(s.failed.length) },
      { header: 'remaining', value: (s) => String(s.remaining) },
    ],
  );
  for (const c of summary.conflicts)
    line(
      io.stderr,
      `conflict line ${c.line}: ${c.thingName}: a different thing of that name exists (${c.message})`,
    );
}
