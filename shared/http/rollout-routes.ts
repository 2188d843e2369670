import type { Router } from '@aws-lambda-powertools/event-handler/http';
import { MAX_PLAN_BYTES } from '../domain/rollout/plan';
import {
  type ApiDeps,
  controlRollout,
  createRollout,
  decideApproval,
  getRollout,
  listRollouts,
} from '../services/rollout-api';
import { completeRolloutRequest } from '../services/rollout-complete';
import { resumeWithDocument } from '../services/rollout-resume';
import { type ApiRequest, apiRouter, bodyText, callerOf } from './api';
import { json } from './response';
import { ACTIONS, type Action, commandOf, planOf, rolloutIdOf } from './rollout-requests';

/**
 * The rollout operator API: `POST /rollouts`, `GET /rollouts`, `GET /rollouts/{id}` and
 * `POST /rollouts/{id}/<action>`. `deps` is called once per request.
 */
export function rolloutRouter(deps: () => ApiDeps): Router {
  const app = apiRouter();

  app.post('/rollouts', async (reqCtx) => {
    const result = await createRollout(
      deps(),
      planOf(await bodyText(reqCtx, MAX_PLAN_BYTES)),
      callerOf(reqCtx),
    );
    return json(result.created ? 201 : 200, result);
  });

  app.get('/rollouts', async () => json(200, { rollouts: await listRollouts(deps()) }));

  app.get('/rollouts/:id', async (reqCtx) =>
    json(200, await getRollout(deps(), rolloutIdOf(reqCtx.params.id), callerOf(reqCtx).at)),
  );

  for (const action of ACTIONS) {
    app.post(`/rollouts/:id/${action}`, async (reqCtx) => json(200, await act(reqCtx, action, deps())));
  }
  return app;
}

async function act(reqCtx: ApiRequest, action: Action, deps: ApiDeps) {
  const id = rolloutIdOf(reqCtx.params.id);
  const caller = callerOf(reqCtx);
  const command = commandOf(await bodyText(reqCtx, MAX_PLAN_BYTES), action);
  const { comment, rollback } = command;
  if (action === 'approve' || action === 'reject') return decideApproval(deps, id, action, comment, caller);
  if (action === 'complete') return completeRolloutRequest(deps, id, comment, caller);
  if (action === 'resume' && (command.document !== undefined || command.documentSource !== undefined)) {
    return resumeWithDocument(deps, id, command, caller);
  }
  return controlRollout(deps, id, action, comment, caller, { rollback });
}
