import type { APIGatewayProxyEventV2WithIAMAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import policyFile from '../config/rollout-policy.yml';
import { loadConfig } from '../shared/config';
import { InvalidPlanError, InvalidRequestError } from '../shared/domain/rollout/errors';
import { ROLLOUT_ID } from '../shared/domain/rollout/ids';
import { MAX_PLAN_BYTES } from '../shared/domain/rollout/plan';
import { parseRolloutPolicy } from '../shared/domain/rollout/policy';
import { wrapHandler } from '../shared/handler';
import { logger } from '../shared/observability';
import {
  type ApiDeps,
  type Caller,
  controlRollout,
  createRollout,
  decideApproval,
  getRollout,
  listRollouts,
} from '../shared/services/rollout-api';
import { completeRolloutRequest } from '../shared/services/rollout-complete';
import { errorResponse, json } from '../shared/services/rollout-http';
import { resumeWithDocument } from '../shared/services/rollout-resume';
import * as z from '../shared/zod';
import { rolloutConfigSchema, rolloutDeps } from './wiring/rollout';

/** Operator API on an HTTP API with IAM auth: the caller is the SigV4-signed principal. */
const config = loadConfig(z.required(rolloutConfigSchema, { STATE_MACHINE_ARN: true }), process.env);
/** config/rollout-policy.yml: document URL allow-list, who counts as a person for four-eyes. */
const policy = parseRolloutPolicy(policyFile);

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
const ACTIONS = ['approve', 'reject', 'pause', 'resume', 'abort', 'complete'] as const;

function body(event: APIGatewayProxyEventV2WithIAMAuthorizer): string {
  const raw = event.body ?? '';
  const text = event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
  if (Buffer.byteLength(text, 'utf8') > MAX_PLAN_BYTES) throw new InvalidRequestError('body is too large');
  return text;
}

const NOT_JSON =
  '(plan): the body must be JSON: the plan object, or {"plan": {...}} (fleet rollout start converts YAML plan files)';

/** The plan, as JSON: `{ "plan": {...} }` or the plan object itself. No YAML here: no parser in this bundle. */
function planOf(text: string): unknown {
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

type Command = { comment: string; rollback: boolean; document?: unknown; documentSource?: unknown };

function commandOf(text: string, action: (typeof ACTIONS)[number]): Command {
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

export const handler = wrapHandler(
  async (event: APIGatewayProxyEventV2WithIAMAuthorizer): Promise<APIGatewayProxyStructuredResultV2> => {
    const deps: ApiDeps = {
      ...rolloutDeps(config, 'function:rollout-api'),
      policy,
      stateMachineArn: config.STATE_MACHINE_ARN,
    };
    const principal = event.requestContext?.authorizer?.iam?.userArn;
    if (!principal) return json(403, { error: 'ForbiddenActionError', message: 'no IAM principal' });
    const caller: Caller = {
      principal,
      account: event.requestContext.accountId,
      requestId: event.requestContext.requestId,
      at: event.requestContext.timeEpoch,
    };
    const id = event.pathParameters?.id ?? '';
    try {
      // Ids become DynamoDB keys: anything that is not a rollout id is refused before any read.
      if (String(event.routeKey).includes('{id}') && !ROLLOUT_ID.test(id)) {
        throw new InvalidRequestError('path id must be a rollout id ([a-z0-9-], at most 50 characters)');
      }
      switch (event.routeKey) {
        case 'POST /rollouts': {
          const result = await createRollout(deps, planOf(body(event)), caller);
          return json(result.created ? 201 : 200, result);
        }
        case 'GET /rollouts':
          return json(200, { rollouts: await listRollouts(deps) });
        case 'GET /rollouts/{id}':
          return json(200, await getRollout(deps, id, event.requestContext.timeEpoch));
        default: {
          const action = ACTIONS.find((a) => event.routeKey === `POST /rollouts/{id}/${a}`);
          if (!action) return json(404, { error: 'NotFound', message: `no route ${event.routeKey}` });
          const command = commandOf(body(event), action);
          const { comment, rollback } = command;
          const withDocument = command.document !== undefined || command.documentSource !== undefined;
          const result =
            action === 'approve' || action === 'reject'
              ? await decideApproval(deps, id, action, comment, caller)
              : action === 'complete'
                ? await completeRolloutRequest(deps, id, comment, caller)
                : action === 'resume' && withDocument
                  ? await resumeWithDocument(deps, id, command, caller)
                  : await controlRollout(deps, id, action, comment, caller, { rollback });
          return json(200, result);
        }
      }
    } catch (error) {
      const response = errorResponse(error);
      if (!response) throw error;
      logger.warn('Rollout API request refused', {
        routeKey: event.routeKey,
        status: response.statusCode,
        error: (error as Error).name,
      });
      return response;
    }
  },
  { correlationIdPath: 'requestContext.requestId' },
);
