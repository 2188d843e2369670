import { createHash } from 'node:crypto';
import type * as z from '../../zod';
import { DEFAULT_GATE_POLICY, type GatePolicy, InvalidGatePolicyError, validateGatePolicy } from '../gate';
import { InvalidPlanError } from './errors';
import { documentIssues, reservedKeyIssues } from './plan-document';
import { type PlanInput, planSchema, type StageInput } from './plan-schema';

type Settings = Required<Pick<StageInput, 'gate' | 'approval' | 'job' | 'cancel'>>;
type JobSettings = NonNullable<StageInput['job']>;

export type ResolvedStage = {
  index: number;
  name: string;
  targets: string[];
  gate: Required<NonNullable<StageInput['gate']>>;
  approval: Required<NonNullable<StageInput['approval']>>;
  job: JobSettings &
    Required<Pick<JobSettings, 'targetSelection' | 'inProgressTimeoutMinutes' | 'retries' | 'abortConfig'>>;
  cancel: Required<NonNullable<StageInput['cancel']>>;
};

export type ResolvedPlan = {
  name: string;
  description?: string;
  document?: Record<string, unknown>;
  documentSource?: string;
  stages: ResolvedStage[];
};

export const MAX_PLAN_BYTES = 128 * 1024;
export const MAX_DOCUMENT_BYTES = 32_768;

/** Built-in defaults: a three-line plan (name, document, targets) is a complete, safe rollout. */
export const PLAN_DEFAULTS: Settings = {
  gate: {
    failureThreshold: DEFAULT_GATE_POLICY.failureThreshold,
    confidence: DEFAULT_GATE_POLICY.confidence,
    minFinished: DEFAULT_GATE_POLICY.minFinished,
    bakeMinutes: DEFAULT_GATE_POLICY.bakeSeconds / 60,
    deadlineMinutes: DEFAULT_GATE_POLICY.deadlineSeconds / 60,
    onInconclusive: DEFAULT_GATE_POLICY.onInconclusive,
  },
  approval: { required: false, timeoutMinutes: 1440 },
  job: {
    targetSelection: 'SNAPSHOT',
    inProgressTimeoutMinutes: 30,
    retries: { failed: 0, timedOut: 0 },
    // Loose on purpose: a backstop for when our gate cannot act, never the primary decision.
    abortConfig: [
      { failureType: 'ALL', action: 'CANCEL', thresholdPercentage: 50, minNumberOfExecutedThings: 20 },
    ],
  },
  cancel: { force: false },
};

const pathOf = (path: readonly PropertyKey[]): string =>
  path.reduce<string>(
    (acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)),
    '',
  ) || '(plan)';

function zodIssues(error: z.core.$ZodError): string[] {
  return error.issues.map((i) => {
    const keys = 'keys' in i && Array.isArray(i.keys) ? `: unknown field(s) ${i.keys.join(', ')}` : '';
    return keys ? `${pathOf(i.path)}${keys}` : `${pathOf(i.path)}: ${i.message}`;
  });
}

/**
 * Validates a parsed plan (plan-text.ts reads YAML or JSON text) and fills every default; throws
 * InvalidPlanError listing every problem by field.
 */
export function resolvePlan(input: unknown): ResolvedPlan {
  // Before the schema: it would drop a `__proto__` key without a word.
  const raw = input !== null && typeof input === 'object' ? (input as { document?: unknown }) : {};
  const reserved = Object.hasOwn(raw, 'document') ? reservedKeyIssues(raw.document) : [];
  if (reserved.length > 0) throw new InvalidPlanError(reserved);
  const parsed = planSchema.safeParse(input);
  if (!parsed.success) throw new InvalidPlanError(zodIssues(parsed.error));
  const plan = parsed.data;
  const issues = crossFieldIssues(plan);
  const stages = (plan.stages ?? (plan.targets ? [{ name: 'fleet', targets: plan.targets }] : [])).map(
    (stage, index) => resolveStage(stage, index, plan.defaults ?? {}),
  );
  stages.forEach((stage) => {
    issues.push(...stageIssues(stage, plan.stages ? `stages[${stage.index}]` : '(defaults)'));
  });
  if (issues.length > 0) throw new InvalidPlanError(issues);
  return {
    name: plan.name,
    ...(plan.description === undefined ? {} : { description: plan.description }),
    ...(plan.document === undefined ? {} : { document: plan.document }),
    ...(plan.documentSource === undefined ? {} : { documentSource: plan.documentSource }),
    stages,
  };
}

function crossFieldIssues(plan: PlanInput): string[] {
  const issues: string[] = [];
  if ((plan.document === undefined) === (plan.documentSource === undefined)) {
    issues.push('document: give exactly one of document (inline) or documentSource (s3://bucket/key)');
  }
  const documentProblems = plan.document ? documentIssues(plan.document) : [];
  issues.push(...documentProblems);
  if (
    plan.document &&
    documentProblems.length === 0 &&
    Buffer.byteLength(JSON.stringify(plan.document), 'utf8') > MAX_DOCUMENT_BYTES
  ) {
    issues.push(`document: larger than AWS IoT's ${MAX_DOCUMENT_BYTES} bytes; use documentSource`);
  }
  if ((plan.stages === undefined) === (plan.targets === undefined)) {
    issues.push('stages: give either stages or targets (a one-stage plan), not both or neither');
  }
  const names = (plan.stages ?? []).map((s) => s.name);
  names.forEach((name, i) => {
    if (names.indexOf(name) !== i) issues.push(`stages[${i}].name: '${name}' is used by an earlier stage`);
  });
  return issues;
}

function resolveStage(stage: StageInput, index: number, defaults: Partial<Settings>): ResolvedStage {
  const merge = <K extends keyof Settings>(key: K) =>
    ({ ...PLAN_DEFAULTS[key], ...strip(defaults[key]), ...strip(stage[key]) }) as Settings[K];
  return {
    index,
    name: stage.name,
    targets: stage.targets,
    gate: merge('gate') as ResolvedStage['gate'],
    approval: merge('approval') as ResolvedStage['approval'],
    job: merge('job') as ResolvedStage['job'],
    cancel: merge('cancel') as ResolvedStage['cancel'],
  };
}

const strip = (o: object | undefined) =>
  Object.fromEntries(Object.entries(o ?? {}).filter(([, v]) => v !== undefined));

function stageIssues(stage: ResolvedStage, at: string): string[] {
  const issues: string[] = [];
  try {
    validateGatePolicy(gatePolicyOf(stage));
  } catch (error) {
    if (!(error instanceof InvalidGatePolicyError)) throw error;
    issues.push(...error.issues.map((i) => `${at}.gate: ${i.replace('Seconds', 'Minutes')}`));
  }
  if (stage.gate.bakeMinutes < stage.job.inProgressTimeoutMinutes) {
    // TIMED_OUT failures only arrive after the in-progress timeout: promoting earlier ignores them.
    issues.push(
      `${at}.gate.bakeMinutes: ${stage.gate.bakeMinutes} is shorter than job.inProgressTimeoutMinutes (${stage.job.inProgressTimeoutMinutes}); timeouts would arrive after the promotion`,
    );
  }
  return issues;
}

/** The gate policy of a stage, in the gate's units (seconds). */
export function gatePolicyOf(stage: ResolvedStage): GatePolicy {
  const { bakeMinutes, deadlineMinutes, ...rest } = stage.gate;
  return { ...rest, bakeSeconds: bakeMinutes * 60, deadlineSeconds: deadlineMinutes * 60 };
}

/** sha256 of the resolved plan in canonical JSON (sorted keys): what was approved is what runs. */
export function planDigest(plan: ResolvedPlan): string {
  return createHash('sha256').update(canonicalJson(plan)).digest('hex');
}

export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
