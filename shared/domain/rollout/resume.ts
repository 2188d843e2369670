import { createHash } from 'node:crypto';
import { InvalidPlanError } from './errors';
import { MAX_ATTEMPT } from './ids';
import type { Rollout, Stage } from './model';
import { canonicalJson, MAX_DOCUMENT_BYTES, type ResolvedPlan } from './plan';
import { documentIssues, reservedKeyIssues } from './plan-document';
import { documentSource } from './plan-schema';
import type { Rollback } from './rollback';

/**
 * A halted rollout resumed with a fixed document (docs/rollouts.md "Resume with a fixed document"):
 * the plan's document is replaced, and a new execution runs the halted stage again as a new attempt
 * (a new job, zero counts, its own bake and deadline) and the stages after it.
 */

/** The job document, one of the plan's two forms. */
export type PlanDocument = { document: Record<string, unknown> } | { documentSource: string };

export function documentOf(plan: Pick<ResolvedPlan, 'document' | 'documentSource'>): PlanDocument {
  if (plan.document !== undefined) return { document: plan.document };
  if (plan.documentSource !== undefined) return { documentSource: plan.documentSource };
  throw new Error('the plan has no document');
}

/** sha256 (hex) of `{"document": ...}` or `{"documentSource": "s3://..."}` in canonical JSON. */
export function documentHash(doc: PlanDocument): string {
  return createHash('sha256').update(canonicalJson(doc)).digest('hex');
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * The fixed document of a resume request, checked as a plan's is (plan.ts, plan-document.ts): exactly
 * one of `document` (an object of at most 32 KB, storable, no reserved key) and `documentSource`
 * (`s3://bucket/key`). Throws InvalidPlanError naming each problem's field. The URL allow-list is the
 * caller's (it needs config/rollout-policy.yml: document-urls.ts).
 */
export function resumeDocument(body: { document?: unknown; documentSource?: unknown }): PlanDocument {
  const issues: string[] = [];
  if ((body.document === undefined) === (body.documentSource === undefined))
    throw new InvalidPlanError([
      'document: give exactly one of document (inline) or documentSource (s3://bucket/key)',
    ]);
  if (body.document !== undefined) {
    const reserved = reservedKeyIssues(body.document);
    if (reserved.length > 0) throw new InvalidPlanError(reserved);
    if (!isRecord(body.document)) throw new InvalidPlanError(['document: must be an object']);
    issues.push(...documentIssues(body.document));
    if (issues.length === 0 && Buffer.byteLength(JSON.stringify(body.document), 'utf8') > MAX_DOCUMENT_BYTES)
      issues.push(`document: larger than AWS IoT's ${MAX_DOCUMENT_BYTES} bytes; use documentSource`);
    if (issues.length > 0) throw new InvalidPlanError(issues);
    return { document: body.document };
  }
  const source = documentSource.safeParse(body.documentSource);
  if (!source.success)
    throw new InvalidPlanError(source.error.issues.map((i) => `documentSource: ${i.message}`));
  return { documentSource: source.data };
}

/** The plan with its document replaced; nothing else changes (stages, gates, rollback). */
export function withDocument(plan: ResolvedPlan, doc: PlanDocument): ResolvedPlan {
  const { document: _document, documentSource: _source, ...rest } = plan;
  return { ...rest, ...doc };
}

/**
 * The execution of the rollout's attempt n: `<rolloutId>--r<n>-<nonce>` (the first is `<rolloutId>`).
 * The nonce (8 hex the API draws at the resume, recorded before the execution starts) keeps the name
 * from being taken first: StartExecution is open to more principals than the API, and a closed
 * execution of that name would leave the resumed rollout without one. At most 64 of 80 characters.
 */
export function resumeExecutionName(rolloutId: string, attempt: number, nonce: string): string {
  if (attempt === 0) return rolloutId;
  if (!/^[0-9a-f]{8}$/.test(nonce)) throw new Error(`invalid execution nonce ${JSON.stringify(nonce)}`);
  return `${rolloutId}--r${attempt}-${nonce}`;
}

/** The execution's name, from its ARN (`...:execution:<machine>:<name>`). */
export const executionNameOf = (executionArn: string): string => executionArn.split(':').at(-1) ?? '';

/**
 * Halts that say something about the update, which a fixed document answers: the gate, an inconclusive
 * deadline that halts, a fleet alarm, a job stopped outside (AWS's abortConfig backstop, or an
 * operator), an approver's rejection.
 */
const RESUMABLE_HALTS = [
  'gate-halt',
  'inconclusive-halt',
  'fleet-alarm',
  'job-stopped-outside',
  'approval-rejected',
] as const;

/** Halts a new document does not answer, and why. */
const NOT_RESUMABLE: Record<string, string> = {
  'promotion-refused':
    'a promotion was refused: something other than the rollout functions may have used a task token; investigate (the audit has rollout.promotion.refused), then start a plan with a new name',
  'approval-expired':
    'its approval expired unanswered: nobody judged the update, so there is nothing a fixed document answers; start a plan with a new name',
};

/** Why a resume is refused: `invalid` (400) for a request that can never apply, `conflict` (409) for the state. */
export type ResumeRefusal = { kind: 'invalid' | 'conflict'; message: string };

export type ResumeSituation = {
  rollout: Rollout;
  /** The stage item of `rollout.currentStage`. */
  stage: Stage | undefined;
  /** The rollback item, if any. */
  rollback: Rollback | undefined;
  document: PlanDocument;
};

/** Whether this rollout may be resumed with this document now; undefined when it may. */
export function resumeRefusal({
  rollout,
  stage,
  rollback,
  document,
}: ResumeSituation): ResumeRefusal | undefined {
  const id = rollout.rolloutId;
  const conflict = (message: string): ResumeRefusal => ({ kind: 'conflict', message });
  if (rollout.status === 'PAUSED')
    return {
      kind: 'invalid',
      message: `rollout ${id} is PAUSED: resume it without a document (its document stays); a document resumes only a HALTED rollout`,
    };
  if (rollout.status !== 'HALTED')
    return conflict(
      rollout.status === 'RUNNING'
        ? `rollout ${id} is RUNNING: a document resumes only a HALTED rollout (another resume may have started it)`
        : `rollout ${id} is ${rollout.status}, which is final: to roll the update out again, start a plan with a new name`,
    );
  if (rollout.abortRequested)
    return conflict(`rollout ${id} halted while an abort was requested: it stays halted`);
  if (!rollout.executionArn)
    return conflict(
      `rollout ${id} was created before executions were recorded: start a plan with a new name`,
    );
  const reason = rollout.reason ?? 'unknown';
  const why = NOT_RESUMABLE[reason];
  if (why) return conflict(`rollout ${id} halted because ${why}`);
  if (!(RESUMABLE_HALTS as readonly string[]).includes(reason))
    return conflict(`rollout ${id} halted (${reason}) for a reason a new document does not answer`);
  if (!stage || stage.index !== rollout.currentStage || stage.status !== 'HALTED')
    return conflict(
      `rollout ${id}'s stage ${rollout.currentStage} is ${stage?.status ?? 'not recorded'}, not HALTED: nothing to resume`,
    );
  if ((rollout.attempt ?? 0) >= MAX_ATTEMPT || (stage.attempt ?? 0) >= MAX_ATTEMPT)
    return conflict(`rollout ${id} was resumed ${MAX_ATTEMPT} times: start a plan with a new name`);
  const refusal = rollbackRefusal(rollout, rollback);
  if (refusal) return conflict(refusal);
  if (documentHash(document) === documentHash(documentOf(rollout.plan)))
    return {
      kind: 'invalid',
      message:
        'document: it is the document the halted stage ran; give the fixed one (a documentSource must name a new key: AWS IoT reads the object when it creates the job, so an object replaced under the same key would not show in the audit)',
    };
  return undefined;
}

/**
 * A plan with a rollback rolls back after every halt: the rollback of the halted attempt must have
 * ended (COMPLETED or FAILED) before a new execution starts. The old execution runs it, and every step
 * of it is refused once the rollout records the new execution.
 */
function rollbackRefusal(rollout: Rollout, rollback: Rollback | undefined): string | undefined {
  if (!rollout.plan.rollback) return undefined;
  const id = rollout.rolloutId;
  if (!rollback || (rollback.attempt ?? 0) !== (rollout.attempt ?? 0))
    return `rollout ${id}'s rollback has not begun yet (the plan rolls back after every halt): wait until \`fleet rollout status\` shows it COMPLETED or FAILED`;
  if (rollback.state === 'FILLING' || rollback.state === 'RUNNING')
    return `rollout ${id}'s rollback is ${rollback.attentionAt === undefined ? rollback.state : 'ATTENTION'} (job ${rollback.jobId}): wait until it is COMPLETED or FAILED (\`fleet rollout status\`)`;
  return undefined;
}

/**
 * What the resume leaves as it is, for the response and the audit: the stages before the halted one
 * are not run again, so their devices keep what they have (the earlier document, or the rollback's).
 */
export function resumeWarnings(rollout: Rollout, rollback: Rollback | undefined): string[] {
  const i = rollout.currentStage;
  if (i === 0) return [];
  const names = rollout.plan.stages.slice(0, i).map((s) => s.name);
  const rolledBack = (rollback?.stageIndexes ?? []).filter((s) => s < i && (rollback?.added ?? 0) > 0);
  return [
    `stages before ${rollout.plan.stages[i]?.name} (${names.join(', ')}) are not run again: their devices keep the earlier document${rolledBack.length > 0 ? `, or, where the rollback reached them (stages ${rolledBack.join(', ')}), the rollback document` : ''}; to give them the fixed document, start a plan with a new name`,
  ];
}

/**
 * Whose document the rollout runs: its creator and everyone who resumed it with a document. An
 * approval needs a person who is none of them (four-eyes on the document that will run).
 */
export function authorsOf(rollout: Rollout, creatorKey: string): string[] {
  return [creatorKey, ...(rollout.resumes ?? []).map((r) => r.byIdentity)];
}

/** Why this approver, who resumed the rollout with a document, may not approve it (four-eyes). */
export function resumerProblem(rollout: Rollout, approver: { key: string; describe: string }) {
  const resumed = (rollout.resumes ?? []).some((r) => r.byIdentity === approver.key);
  return resumed
    ? `a person who resumed a rollout with a document cannot decide its approvals (${approver.describe} did)`
    : undefined;
}
