import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { InvalidPlanError } from '../../shared/domain/rollout/errors';
import { MAX_PLAN_BYTES } from '../../shared/domain/rollout/plan';
import { type PlanDocument, resumeDocument } from '../../shared/domain/rollout/resume';
import { callApi } from '../api';
import { CliError, EXIT, type Io, line } from '../io';
import { printJson } from '../output';
import { type GlobalOptions, resolvePath, resolveTarget } from '../target';
import { idPath, rolloutAction } from './rollout';

export type ResumeOptions = GlobalOptions & { comment?: string; document?: string; documentSource?: string };

/** The document file (YAML or JSON: the job document itself), parsed. */
function readDocumentFile(io: Io, file: string): unknown {
  let text: string;
  try {
    text = readFileSync(resolvePath(io, file), 'utf8');
  } catch (error) {
    throw new CliError(EXIT.USAGE, `cannot read ${file}: ${(error as Error).message}`, 'check the path');
  }
  if (Buffer.byteLength(text, 'utf8') > MAX_PLAN_BYTES)
    throw new CliError(
      EXIT.USAGE,
      `${file}: larger than ${MAX_PLAN_BYTES} bytes`,
      'use --document-source s3://...',
    );
  try {
    return parseYaml(text, { maxAliasCount: 50, uniqueKeys: true });
  } catch (error) {
    throw new CliError(
      EXIT.USAGE,
      `${file}: not valid YAML or JSON: ${(error as Error).message.split('\n')[0]}`,
      'the file holds the job document itself, e.g. {"operation": "update", "version": "2.4.1"}',
    );
  }
}

/**
 * `fleet rollout resume <id>`: without a document, today's resume of a paused rollout; with
 * `--document <file>` or `--document-source s3://...`, a HALTED rollout goes on with the fixed document
 * from its halted stage (docs/rollouts.md "Resume with a fixed document"). The document is checked
 * locally as a plan's is (exit 2), then by the API (also against the URL allow-list).
 */
export async function rolloutResume(id: string, opts: ResumeOptions, io: Io): Promise<number> {
  if (opts.document === undefined && opts.documentSource === undefined)
    return rolloutAction('resume', id, opts, io);
  if (opts.document !== undefined && opts.documentSource !== undefined)
    throw new CliError(EXIT.USAGE, 'give --document or --document-source, not both');
  if (opts.comment !== undefined && opts.comment.length > 1000)
    throw new CliError(EXIT.USAGE, '--comment is limited to 1000 characters');
  const source = opts.document ?? String(opts.documentSource);
  let document: PlanDocument;
  try {
    document = resumeDocument(
      opts.document !== undefined
        ? { document: readDocumentFile(io, opts.document) }
        : { documentSource: opts.documentSource },
    );
  } catch (error) {
    if (!(error instanceof InvalidPlanError)) throw error;
    throw new CliError(
      EXIT.USAGE,
      `${source}: invalid job document (${error.issues.length} problem(s)); nothing was resumed`,
      'fix the fields listed (docs/rollouts.md "The plan", "Job document URLs")',
      error.issues,
    );
  }
  const payload = JSON.stringify({
    ...(opts.comment === undefined ? {} : { comment: opts.comment }),
    ...document,
  });
  const { body } = await callApi(resolveTarget(opts, io), 'POST', `${idPath(id)}/resume`, payload);
  if (opts.json) {
    printJson(io.stdout, body);
    return EXIT.OK;
  }
  const digest = (d: unknown) => String(d ?? '').slice(0, 12);
  line(
    io.stdout,
    `resume: ${id} -> ${String(body.status)} with a new document: stage ${String(body.stage)} runs again as attempt ${String(
      body.jobId ?? '',
    )
      .split('-a')
      .at(-1)} (job ${String(body.jobId)}), execution ${String(body.execution)}`,
  );
  line(
    io.stdout,
    `  digest ${digest(body.previousDigest)} -> ${digest(body.digest)}; document ${digest(body.previousDocumentHash)} -> ${digest(body.documentHash)}`,
  );
  line(
    io.stdout,
    "  the new attempt starts from zero; the halted attempt's counts are kept apart (fleet rollout status)",
  );
  for (const warning of (body.warnings ?? []) as string[]) line(io.stderr, `warning: ${warning}`);
  return EXIT.OK;
}
