import { InvalidPlanError, InvalidRequestError } from '../domain/rollout/errors';
import { ROLLOUT_ID, ROLLOUT_ID_MAX } from '../domain/rollout/ids';
import * as z from '../zod';

/** The actions on one rollout: `POST /rollouts/{id}/<action>`. */
export const ACTIONS = ['approve', 'reject', 'pause', 'resume', 'abort', 'complete'] as const;
export type Action = (typeof ACTIONS)[number];

// Bodies are parsed here, not by the router's Standard Schema validation: that answers 422 with its
// own body, and these routes answer 400 with the messages the CLI prints.
const comment = z.optional(z.string().check(z.maxLength(1000)));
const commentSchema = z.strictObject({ comment });
/** `POST /rollouts/{id}/abort` may also ask for the plan's rollback. */
const abortSchema = z.strictObject({ comment, rollback: z.optional(z.boolean()) });
/**
 * `POST /rollouts/{id}/resume` may carry a fixed document for a HALTED rollout; the document itself is
 * checked as a plan's is (shared/domain/rollout/resume.ts), on the parsed JSON as sent.
 */
const resumeSchema = z.strictObject({
  comment,
  document: z.optional(z.unknown()),
  documentSource: z.optional(z.unknown()),
});

/** Ids become DynamoDB keys: anything that is not a rollout id is refused before any read. */
export function rolloutIdOf(id: string | undefined): string {
  if (id === undefined || !ROLLOUT_ID.test(id)) {
    throw new InvalidRequestError(
      `path id must be a rollout id ([a-z0-9-], at most ${ROLLOUT_ID_MAX} characters)`,
    );
  }
  return id;
}

const NOT_JSON =
  '(plan): the body must be JSON: the plan object, or {"plan": {...}} (fleet rollout start converts YAML plan files)';

/** The plan, as JSON: `{ "plan": {...} }` or the plan object itself. No YAML here: no parser in this bundle. */
export function planOf(text: string): unknown {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new InvalidPlanError([NOT_JSON]);
  }
  const plan =
    parsed && typeof parsed === 'object' && 'plan' in parsed ? (parsed as { plan: unknown }).plan : parsed;
  // Plan text inside the wrapper is what clients before the JSON-only API sent.
  if (typeof plan === 'string') throw new InvalidPlanError([NOT_JSON]);
  return plan;
}

export type Command = { comment: string; rollback: boolean; document?: unknown; documentSource?: unknown };

/** The body of an action: an optional comment, abort's rollback, resume's fixed document. */
export function commandOf(text: string, action: Action): Command {
  if (!text.trim()) return { comment: '', rollback: false };
  const shape =
    action === 'abort'
      ? ', "rollback": true|false'
      : action === 'resume'
        ? ', and for a halted rollout "document": {...} or "documentSource": "s3://..."'
        : '';
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new InvalidRequestError(`body must be JSON: {"comment": "..."${shape}}`);
  }
  const schema = action === 'abort' ? abortSchema : action === 'resume' ? resumeSchema : commentSchema;
  const parsed = schema.safeParse(raw);
  if (!parsed.success)
    throw new InvalidRequestError(`body: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
  // The document as parsed from the body, not a copy: its keys are checked as they were sent.
  const sent = raw as { document?: unknown; documentSource?: unknown };
  return {
    comment: parsed.data.comment ?? '',
    rollback: 'rollback' in parsed.data && parsed.data.rollback === true,
    ...(action === 'resume' && sent.document !== undefined ? { document: sent.document } : {}),
    ...(action === 'resume' && sent.documentSource !== undefined
      ? { documentSource: sent.documentSource }
      : {}),
  };
}
