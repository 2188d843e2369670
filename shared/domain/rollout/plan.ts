import { createHash } from 'node:crypto';
import type * as z from '../../zod';
import { DEFAULT_GATE_POLICY, type GatePolicy, InvalidGatePolicyError, validateGatePolicy } from '../gate';
import { InvalidPlanError } from './errors';
import { BUCKET_MS } from './health-counts';
import { PACKAGE_SETTLE_MS } from './health-package';
import { PRESENCE_GRACE_MS } from './health-presence';
import type { FailureStatus } from './job-snapshot';
import { documentIssues, reservedKeyIssues } from './plan-document';
import { scheduleIssues } from './plan-schedule';
import {
  defaultsSchema,
  type HealthInput,
  planSchema,
  type RollbackInput,
  type StageInput,
  stageSchema,
} from './plan-schema';
import { continuousIssues, targetIssues } from './plan-targets';

/** A success's minute and the grace for late lifecycle events: what a reconnect window adds to a stage. */
const HEALTH_SLACK_MINUTES = (BUCKET_MS + PRESENCE_GRACE_MS) / 60_000;

type Settings = Required<Pick<StageInput, 'gate' | 'approval' | 'job' | 'cancel'>>;
type JobSettings = NonNullable<StageInput['job']>;

export type ResolvedStage = {
  index: number;
  name: string;
  targets: string[];
  gate: Required<NonNullable<StageInput['gate']>> & { failureStatuses: FailureStatus[] };
  approval: Required<NonNullable<StageInput['approval']>>;
  /**
   * `abortConfig` absent: the job gets the computed backstop (abort-backstop.ts); `rollout` absent:
   * the cohort rollout (job-rollout.ts), both sized to the stage's things when it starts.
   */
  job: JobSettings & Required<Pick<JobSettings, 'targetSelection' | 'inProgressTimeoutMinutes' | 'retries'>>;
  cancel: Required<NonNullable<StageInput['cancel']>>;
  /** Present (true) only when the plan says so, so plans without it keep their digest. */
  allowMissingTargets?: true;
  /** A fleet indexing query; the job also targets the dynamic group made for it (query-target.ts). */
  query?: string;
  /** `YYYY-MM-DDTHH:MM` UTC: when the last, continuous stage completes by itself. */
  completeAt?: string;
  /** Present only when the plan (or its defaults) asks for a health signal, so older plans keep their digest. */
  health?: ResolvedHealth;
};

export type ResolvedHealth = {
  reconnectMinutes?: number;
  selfCheck?: NonNullable<HealthInput['selfCheck']>;
  alarms?: { names: string[]; action: 'pause' | 'halt' };
  /** The `$package` shadow must report the job's destinationPackageVersions: present (true) only when on. */
  packageVersion?: true;
};

export type ResolvedRollback = {
  document?: Record<string, unknown>;
  documentSource?: string;
  scope: 'stage' | 'rollout';
  onAbort: boolean;
  job: {
    maximumPerMinute: number;
    inProgressTimeoutMinutes: number;
    retries: { failed: number; timedOut: number };
  };
  failureThreshold: number;
  watchHours: number;
};

export const ROLLBACK_DEFAULTS: Omit<ResolvedRollback, 'document' | 'documentSource'> = {
  scope: 'rollout',
  onAbort: false,
  job: { maximumPerMinute: 100, inProgressTimeoutMinutes: 30, retries: { failed: 1, timedOut: 1 } },
  failureThreshold: 0.05,
  watchHours: 24,
};

export type ResolvedPlan = {
  name: string;
  description?: string;
  document?: Record<string, unknown>;
  documentSource?: string;
  stages: ResolvedStage[];
  /** Present only when the plan names one. */
  rollback?: ResolvedRollback;
};

export const MAX_PLAN_BYTES = 128 * 1024;
export const MAX_DOCUMENT_BYTES = 32_768;

/** Built-in defaults: a three-line plan (name, document, targets) is a complete, safe rollout. */
const PLAN_DEFAULTS: Settings = {
  gate: {
    failureThreshold: DEFAULT_GATE_POLICY.failureThreshold,
    confidence: DEFAULT_GATE_POLICY.confidence,
    minFinished: DEFAULT_GATE_POLICY.minFinished,
    bakeMinutes: DEFAULT_GATE_POLICY.bakeSeconds / 60,
    deadlineMinutes: DEFAULT_GATE_POLICY.deadlineSeconds / 60,
    onInconclusive: DEFAULT_GATE_POLICY.onInconclusive,
    failureStatuses: ['FAILED', 'REJECTED', 'TIMED_OUT'],
  },
  approval: { required: false, timeoutMinutes: 1440 },
  job: {
    targetSelection: 'SNAPSHOT',
    inProgressTimeoutMinutes: 30,
    retries: { failed: 0, timedOut: 0 },
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

export type ResolveOptions = {
  /** Epoch ms of the request: with it, a job schedule is checked to leave room for the bake and deadline. */
  at?: number;
};

/**
 * Validates a parsed plan (plan-text.ts reads YAML or JSON text) and fills every default; throws
 * InvalidPlanError listing every problem by field, in one pass: the cross-field and per-stage checks
 * also run on the parts of a plan that failed the schema elsewhere.
 */
export function resolvePlan(input: unknown, options: ResolveOptions = {}): ResolvedPlan {
  // Before the schema: it would drop a `__proto__` key without a word.
  const unchecked = input !== null && typeof input === 'object' ? (input as { document?: unknown }) : {};
  const reserved = Object.hasOwn(unchecked, 'document') ? reservedKeyIssues(unchecked.document) : [];
  if (reserved.length > 0) throw new InvalidPlanError(reserved);
  const parsed = planSchema.safeParse(input);
  const raw = isRecord(input) ? input : undefined;
  const issues = [
    ...(parsed.success ? [] : zodIssues(parsed.error)),
    ...(raw ? [...crossFieldIssues(raw), ...stageCheckIssues(raw, options)] : []),
  ];
  if (!parsed.success || issues.length > 0) throw new InvalidPlanError(issues);
  const plan = parsed.data;
  const stages = (plan.stages ?? (plan.targets ? [{ name: 'fleet', targets: plan.targets }] : [])).map(
    (stage, index) => resolveStage(stage, index, plan.defaults ?? {}),
  );
  return {
    name: plan.name,
    ...(plan.description === undefined ? {} : { description: plan.description }),
    ...(plan.document === undefined ? {} : { document: plan.document }),
    ...(plan.documentSource === undefined ? {} : { documentSource: plan.documentSource }),
    stages,
    ...(plan.rollback === undefined ? {} : { rollback: resolveRollback(plan.rollback) }),
  };
}

function resolveRollback(input: RollbackInput): ResolvedRollback {
  const job = input.job ?? {};
  return {
    ...(input.document === undefined ? {} : { document: input.document }),
    ...(input.documentSource === undefined ? {} : { documentSource: input.documentSource }),
    scope: input.scope ?? ROLLBACK_DEFAULTS.scope,
    onAbort: input.onAbort ?? ROLLBACK_DEFAULTS.onAbort,
    job: {
      maximumPerMinute: job.maximumPerMinute ?? ROLLBACK_DEFAULTS.job.maximumPerMinute,
      inProgressTimeoutMinutes:
        job.inProgressTimeoutMinutes ?? ROLLBACK_DEFAULTS.job.inProgressTimeoutMinutes,
      retries: { ...ROLLBACK_DEFAULTS.job.retries, ...strip(job.retries) },
    },
    failureThreshold: input.failureThreshold ?? ROLLBACK_DEFAULTS.failureThreshold,
    watchHours: input.watchHours ?? ROLLBACK_DEFAULTS.watchHours,
  };
}

/**
 * The stage's health settings: the stage's own keys over the defaults' (a whole key replaces). The
 * package version check is on by default when the stage's job installs package versions.
 */
function resolveHealth(
  stage: HealthInput | undefined,
  defaults: HealthInput | undefined,
  installsPackages: boolean,
): ResolvedHealth | undefined {
  const merged = { ...strip(defaults), ...strip(stage) } as HealthInput;
  const packageVersion = merged.packageVersion ?? installsPackages;
  const health: ResolvedHealth = {
    ...(merged.reconnectMinutes === undefined ? {} : { reconnectMinutes: merged.reconnectMinutes }),
    ...(merged.selfCheck === undefined ? {} : { selfCheck: merged.selfCheck }),
    ...(merged.alarms === undefined
      ? {}
      : { alarms: { names: merged.alarms.names, action: merged.alarms.action ?? 'pause' } }),
    ...(packageVersion ? { packageVersion: true as const } : {}),
  };
  return Object.keys(health).length === 0 ? undefined : health;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/** Checks across fields, on the raw input: they hold whatever else is wrong with it. */
function crossFieldIssues(plan: Record<string, unknown>): string[] {
  const issues: string[] = [];
  if ((plan.document === undefined) === (plan.documentSource === undefined)) {
    issues.push('document: give exactly one of document (inline) or documentSource (s3://bucket/key)');
  }
  const documentProblems = isRecord(plan.document) ? documentIssues(plan.document) : [];
  issues.push(...documentProblems);
  if (
    isRecord(plan.document) &&
    documentProblems.length === 0 &&
    Buffer.byteLength(JSON.stringify(plan.document), 'utf8') > MAX_DOCUMENT_BYTES
  ) {
    issues.push(`document: larger than AWS IoT's ${MAX_DOCUMENT_BYTES} bytes; use documentSource`);
  }
  if (
    isRecord(plan.rollback) &&
    (plan.rollback.document === undefined) === (plan.rollback.documentSource === undefined)
  ) {
    issues.push('rollback: give exactly one of document (inline) or documentSource (s3://bucket/key)');
  }
  if (isRecord(plan.rollback) && isRecord(plan.rollback.document)) {
    issues.push(...documentIssues(plan.rollback.document).map((i) => `rollback.${i}`));
  }
  if ((plan.stages === undefined) === (plan.targets === undefined)) {
    issues.push('stages: give either stages or targets (a one-stage plan), not both or neither');
  }
  const names = (Array.isArray(plan.stages) ? plan.stages : []).map((s) =>
    isRecord(s) && typeof s.name === 'string' ? s.name : undefined,
  );
  names.forEach((name, i) => {
    if (name !== undefined && names.indexOf(name) !== i)
      issues.push(`stages[${i}].name: '${name}' is used by an earlier stage`);
  });
  return issues;
}

/**
 * The checks of each resolved stage (gate policy, bake against timeout), for every stage that is
 * valid on its own. Skipped when `defaults` is invalid: the stages would resolve against the wrong values.
 */
function stageCheckIssues(plan: Record<string, unknown>, options: ResolveOptions): string[] {
  const defaults =
    plan.defaults === undefined ? { success: true, data: {} } : defaultsSchema.safeParse(plan.defaults);
  if (!defaults.success) return [];
  const shortcut = plan.stages === undefined && plan.targets !== undefined;
  const stages: unknown[] = shortcut
    ? [{ name: 'fleet', targets: plan.targets }]
    : Array.isArray(plan.stages)
      ? plan.stages
      : [];
  const resolved: (ResolvedStage | undefined)[] = stages.map((input, index) => {
    const stage = stageSchema.safeParse(input);
    return stage.success ? resolveStage(stage.data, index, defaults.data) : undefined;
  });
  const at = (index: number) => (shortcut ? '(defaults)' : `stages[${index}]`);
  return [
    ...resolved.flatMap((stage, index) => (stage ? stageIssues(stage, at(index), options) : [])),
    ...continuousIssues(resolved, at, options.at),
  ];
}

function resolveStage(
  stage: StageInput,
  index: number,
  defaults: Partial<Settings> & { health?: HealthInput },
): ResolvedStage {
  const merge = <K extends keyof Settings>(key: K) =>
    ({ ...PLAN_DEFAULTS[key], ...strip(defaults[key]), ...strip(stage[key]) }) as Settings[K];
  const job = merge('job') as ResolvedStage['job'];
  const health = resolveHealth(stage.health, defaults.health, job.destinationPackageVersions !== undefined);
  return {
    index,
    name: stage.name,
    targets: stage.targets ?? [],
    gate: merge('gate') as ResolvedStage['gate'],
    approval: merge('approval') as ResolvedStage['approval'],
    job,
    cancel: merge('cancel') as ResolvedStage['cancel'],
    ...(stage.allowMissingTargets ? { allowMissingTargets: true as const } : {}),
    ...(stage.query === undefined ? {} : { query: stage.query }),
    ...(stage.completeAt === undefined ? {} : { completeAt: stage.completeAt }),
    ...(health ? { health } : {}),
  };
}

const strip = (o: object | undefined) =>
  Object.fromEntries(Object.entries(o ?? {}).filter(([, v]) => v !== undefined));

function stageIssues(stage: ResolvedStage, at: string, options: ResolveOptions): string[] {
  const issues: string[] = [];
  try {
    validateGatePolicy(gatePolicyOf(stage));
  } catch (error) {
    if (!(error instanceof InvalidGatePolicyError)) throw error;
    issues.push(...error.issues.map((i) => `${at}.gate: ${i.replace('Seconds', 'Minutes')}`));
  }
  const { deadlineMinutes } = stage.gate;
  const timeout = stage.job.inProgressTimeoutMinutes;
  if (deadlineMinutes < timeout) {
    // A device that hangs reports TIMED_OUT only at the in-progress timeout: the gate must live that long.
    issues.push(
      `${at}.gate.deadlineMinutes: ${deadlineMinutes} is shorter than job.inProgressTimeoutMinutes (${timeout}); a device that hangs would only be known as TIMED_OUT after the deadline`,
    );
  }
  const reconnect = stage.health?.reconnectMinutes;
  if (reconnect !== undefined && deadlineMinutes < reconnect + HEALTH_SLACK_MINUTES) {
    // A success is only counted once the window of the last instant of its minute and the grace for
    // late lifecycle events are over (health-counts.ts): the stage must outlive that, even for a success
    // at its very start.
    issues.push(
      `${at}.gate.deadlineMinutes: ${deadlineMinutes} must be at least health.reconnectMinutes + ${HEALTH_SLACK_MINUTES} (${reconnect + HEALTH_SLACK_MINUTES}): a success counts once the window of its minute and ${PRESENCE_GRACE_MS / 60_000} minute's grace for late lifecycle events are over, and that must happen while its stage runs`,
    );
  }
  if (stage.health?.packageVersion) issues.push(...packageVersionIssues(stage, at));
  issues.push(...scheduleIssues(stage, at, options));
  issues.push(...targetIssues(stage, at));
  return issues;
}

/** A package version check needs versions to compare, and a stage that outlives its settle time. */
function packageVersionIssues(stage: ResolvedStage, at: string): string[] {
  if (stage.job.destinationPackageVersions === undefined)
    return [
      `${at}.health.packageVersion: true needs ${at}.job.destinationPackageVersions: it compares the package versions the job installs with those the device reports in its $package shadow`,
    ];
  const least = PACKAGE_SETTLE_MS / 60_000 + HEALTH_SLACK_MINUTES;
  const { deadlineMinutes } = stage.gate;
  return deadlineMinutes < least
    ? [
        `${at}.gate.deadlineMinutes: ${deadlineMinutes} must be at least ${least}: a success counts once its $package shadow has settled (${PACKAGE_SETTLE_MS / 60_000} minutes after the minute it falls in, and ${PRESENCE_GRACE_MS / 60_000} minute's grace), and that must happen while its stage runs`,
      ]
    : [];
}

/** The gate policy of a stage, in the gate's units (seconds). */
export function gatePolicyOf(stage: ResolvedStage): GatePolicy {
  const { bakeMinutes, deadlineMinutes, failureStatuses: _statuses, ...rest } = stage.gate;
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
