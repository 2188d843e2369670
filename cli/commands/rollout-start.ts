import { readFileSync } from 'node:fs';
import { iotFleetIndex } from '../../shared/adapters/fleet-index';
import { iotRolloutJobs } from '../../shared/adapters/rollout-jobs';
import { InvalidPlanError } from '../../shared/domain/rollout/errors';
import { type ResolvedPlan, resolvePlan } from '../../shared/domain/rollout/plan';
import { readPlan } from '../../shared/domain/rollout/plan-text';
import { missingLines, type PlanPreview } from '../../shared/domain/rollout/preflight';
import { preflightPlan } from '../../shared/services/rollout-preflight';
import { callApi } from '../api';
import { CliError, EXIT, type Io, line, type Out } from '../io';
import { printJson, printTable } from '../output';
import { type GlobalOptions, iotClient, resolvePath, resolveTarget } from '../target';

export type StartOptions = GlobalOptions & { dryRun?: boolean };

/** Reads and validates a plan file: every problem by field in one pass, exit 2. */
function readPlanFile(io: Io, file: string): { plan: unknown; resolved: ResolvedPlan } {
  let text: string;
  try {
    text = readFileSync(resolvePath(io, file), 'utf8');
  } catch (error) {
    throw new CliError(EXIT.USAGE, `cannot read ${file}: ${(error as Error).message}`, 'check the path');
  }
  try {
    const plan = readPlan(text);
    return { plan, resolved: resolvePlan(plan) };
  } catch (error) {
    if (!(error instanceof InvalidPlanError)) throw error;
    throw new CliError(
      EXIT.USAGE,
      `${file}: invalid rollout plan (${error.issues.length} problem(s))`,
      'fix the fields listed (docs/rollouts.md "The plan")',
      error.issues,
    );
  }
}

/**
 * `fleet rollout start`: validates the plan locally, checks it against the account (every target group
 * exists, the things each stage reaches, the job document), prints that preview, then POST /rollouts
 * with the plan as JSON (plan files may be YAML, the API takes JSON only). `--dry-run` stops after the
 * preview. A missing group the plan does not allow refuses the start (exit 3), naming each.
 */
export async function rolloutStart(file: string, opts: StartOptions, io: Io): Promise<number> {
  const { plan, resolved } = readPlanFile(io, file);
  const target = resolveTarget(opts, io);
  let preview: PlanPreview;
  try {
    const iot = iotClient(target);
    preview = await preflightPlan(iotRolloutJobs(iot), resolved, { countThings: true }, iotFleetIndex(iot));
  } catch (error) {
    if ((error as Error).name !== 'AccessDeniedException') throw error;
    throw new CliError(
      EXIT.CONFLICT,
      `the preview was refused: ${(error as Error).message}`,
      'it needs iot:DescribeThingGroup and iot:ListThingsInThingGroup, and for query stages iot:GetIndexingConfiguration and iot:GetStatistics (docs/deploy.md, operator policy)',
    );
  }
  if (!opts.json) printPreview(opts.dryRun ? io.stdout : io.stderr, preview);
  if (preview.indexIssues.length > 0) {
    if (opts.json) printJson(io.stdout, { preview });
    throw new CliError(
      EXIT.CONFLICT,
      `${file}: the account's fleet index lacks ${preview.indexIssues.length} field(s) a query stage reads; nothing was started`,
      'the stack enables the indexing it needs when it deploys; an account whose indexing was changed since needs it again (docs/fleet-indexing.md)',
      preview.indexIssues,
    );
  }
  if (preview.missing.length > 0) {
    if (opts.json) printJson(io.stdout, { preview });
    throw new CliError(
      EXIT.NOT_FOUND,
      `${file}: ${preview.missing.length} target group(s) do not exist; nothing was started`,
      'create the groups (or onboard things the grouping rules put there), fix the names, or set `allowMissingTargets: true` on a stage whose groups are created later (docs/rollouts.md)',
      missingLines(preview.missing),
    );
  }
  if (opts.dryRun) {
    if (opts.json) printJson(io.stdout, { preview });
    else line(io.stderr, 'dry run: nothing was started');
    return EXIT.OK;
  }
  const { status, body } = await callApi(target, 'POST', 'rollouts', JSON.stringify({ plan }));
  if (opts.json) printJson(io.stdout, { ...body, preview });
  else {
    line(
      io.stdout,
      `${status === 201 ? 'started' : 'already exists (same plan)'}: ${String(body.rolloutId)} (${String(body.status)})`,
    );
    line(io.stderr, `follow it with: fleet rollout status ${String(body.rolloutId)}`);
  }
  return EXIT.OK;
}

const bytes = (n: number) => n.toLocaleString('en-US');

/** The preview as a person reads it: the document, one row per stage, then what needs attention. */
function printPreview(out: Out, preview: PlanPreview): void {
  line(out, `plan ${preview.name} -> rollout ${preview.rolloutId}`);
  const d = preview.document;
  line(
    out,
    d.kind === 'inline'
      ? `document: inline, ${bytes(d.bytes)} of ${bytes(d.limit)} bytes`
      : `document: ${d.source} (AWS IoT reads it at CreateJob; at most ${bytes(d.limit)} bytes)`,
  );
  line(out);
  printTable(out, preview.stages, [
    { header: '#', value: (s) => String(s.index) },
    { header: 'stage', value: (s) => s.name },
    {
      header: 'targets',
      value: (s) =>
        [
          ...s.targets.map((t) =>
            t.exists ? t.group : `${t.group} (${t.allowedMissing ? 'missing, allowed' : 'MISSING'})`,
          ),
          ...(s.query ? [`query: ${s.query.query}`] : []),
        ].join(', '),
      max: 80,
    },
    { header: 'things', value: (s) => (s.things === undefined ? '-' : String(s.things)) },
    { header: 'new', value: (s) => (s.newThings === undefined ? '-' : String(s.newThings)) },
    { header: 'selection', value: (s) => s.targetSelection },
    { header: 'approval', value: (s) => (s.approvalRequired ? 'before next stage' : '-') },
    { header: 'query now', value: (s) => (s.query?.matches === undefined ? '-' : String(s.query.matches)) },
  ]);
  if (preview.things !== undefined)
    line(out, `${preview.things} distinct thing(s) over ${preview.stages.length} stage(s) now`);
  for (const m of preview.allowedMissing)
    line(out, `note: stage ${m.stage}: ${m.group} does not exist yet; it must exist when the stage starts`);
  for (const w of preview.warnings) line(out, `warning: ${w}`);
}
