import * as z from '../../zod';

/** Identifiers derived from the plan; every one is safe in a DynamoDB key, an ARN and an execution name. */

const SLUG_MAX = 40;
export const MAX_STAGES = 50;
/** Attempts of one stage: the first (0) and at most 99 more, each after a resume with a fixed document. */
export const MAX_ATTEMPT = 99;

/** `[a-z0-9-]`, from the plan name plus 8 hex of its digest: the same plan gives the same rollout. */
export function rolloutIdFor(name: string, digest: string): string {
  const slug =
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, SLUG_MAX)
      .replace(/-+$/g, '') || 'rollout';
  return `${slug}-${digest.slice(0, 8)}`;
}

/** The rollout-id rule, the one every entry point checks: what rolloutIdFor makes (at most 49). */
export const ROLLOUT_ID_MAX = 50;
export const ROLLOUT_ID = /^[a-z0-9](?:[a-z0-9-]{0,48}[a-z0-9])?$/;
export const rolloutIdSchema = z
  .string()
  .check(z.regex(ROLLOUT_ID, `must be a rollout id: [a-z0-9-], at most ${ROLLOUT_ID_MAX} characters`));

/**
 * The stage's IoT job id: `<rolloutId>-s<index>` for its first attempt, `<rolloutId>-s<index>-a<n>` for
 * attempt n (a halted stage resumed with a fixed document runs a new job). At most 58 of AWS's 64
 * characters, `[a-zA-Z0-9_-]`; each attempt has exactly one spelling.
 */
export function jobIdFor(rolloutId: string, stageIndex: number, attempt = 0): string {
  if (!ROLLOUT_ID.test(rolloutId)) throw new Error(`invalid rollout id ${JSON.stringify(rolloutId)}`);
  if (!Number.isInteger(stageIndex) || stageIndex < 0 || stageIndex >= MAX_STAGES) {
    throw new Error(`invalid stage index ${stageIndex}`);
  }
  if (!Number.isInteger(attempt) || attempt < 0 || attempt > MAX_ATTEMPT)
    throw new Error(`invalid attempt ${attempt}`);
  return `${rolloutId}-${stageRef(stageIndex, attempt)}`;
}

/** `s<index>` or `s<index>-a<attempt>`: names a stage's attempt in job ids and audit causes. */
export function stageRef(stageIndex: number, attempt = 0): string {
  return attempt === 0 ? `s${stageIndex}` : `s${stageIndex}-a${attempt}`;
}

/** Whose job it is; `attempt` only when the job is a later attempt of its stage (absent: the first). */
export type JobOwner = { rolloutId: string; stageIndex: number; attempt?: number };

/** The rollout, stage and attempt a job id belongs to, or undefined for jobs this project did not create. */
export function parseJobId(jobId: string): JobOwner | undefined {
  const match = /^([a-z0-9-]+)-s(\d{1,2})(?:-a(\d{1,2}))?$/.exec(jobId);
  if (!match?.[1] || !match[2]) return undefined;
  const rolloutId = match[1];
  const stageIndex = Number(match[2]);
  if (!ROLLOUT_ID.test(rolloutId) || stageIndex >= MAX_STAGES || `${stageIndex}` !== match[2])
    return undefined;
  if (match[3] === undefined) return { rolloutId, stageIndex };
  const attempt = Number(match[3]);
  // `-a0` is not how the first attempt is spelled, and `-a01` not how the first retry is.
  if (attempt < 1 || `${attempt}` !== match[3]) return undefined;
  return { rolloutId, stageIndex, attempt };
}

/** The attempt a stage job runs (0 for the first, and for a job that is no stage's). */
export const attemptOfJob = (jobId: string): number => parseJobId(jobId)?.attempt ?? 0;
