/** Identifiers derived from the plan; every one is safe in a DynamoDB key, an ARN and an execution name. */

const SLUG_MAX = 40;
export const MAX_STAGES = 50;

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

export const ROLLOUT_ID = /^[a-z0-9](?:[a-z0-9-]{0,48}[a-z0-9])?$/;

/** The stage's IoT job id: `<rolloutId>-s<index>`, at most 53 of AWS's 64 characters, `[a-zA-Z0-9_-]`. */
export function jobIdFor(rolloutId: string, stageIndex: number): string {
  if (!ROLLOUT_ID.test(rolloutId)) throw new Error(`invalid rollout id ${JSON.stringify(rolloutId)}`);
  if (!Number.isInteger(stageIndex) || stageIndex < 0 || stageIndex >= MAX_STAGES) {
    throw new Error(`invalid stage index ${stageIndex}`);
  }
  return `${rolloutId}-s${stageIndex}`;
}

/** The rollout and stage a job id belongs to, or undefined for jobs this project did not create. */
export function parseJobId(jobId: string): { rolloutId: string; stageIndex: number } | undefined {
  const match = /^([a-z0-9-]+)-s(\d{1,2})$/.exec(jobId);
  if (!match?.[1] || !match[2]) return undefined;
  const rolloutId = match[1];
  const stageIndex = Number(match[2]);
  if (!ROLLOUT_ID.test(rolloutId) || stageIndex >= MAX_STAGES || `${stageIndex}` !== match[2])
    return undefined;
  return { rolloutId, stageIndex };
}
