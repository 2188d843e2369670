import { retryableAws } from '../shared/adapters/transient-errors';
import { loadConfig } from '../shared/config';
import { iotArnPrefix } from '../shared/domain/rollout/job-request';
import { wrapHandler } from '../shared/handler';
import { logger } from '../shared/observability';
import { runStep, type StepInput, stepInputSchema } from '../shared/services/rollout-steps';
import { rollbackIot, rolloutDeps, stepsConfigSchema } from './wiring/rollout';

/** The staged-rollout state machine's tasks (statemachines/staged-rollout.asl.yaml), one `action` each. */
const config = loadConfig(stepsConfigSchema, process.env);
const deps = { ...rolloutDeps(config, 'function:rollout-steps'), rollback: rollbackIot(config) };

export const handler = wrapHandler(
  async (input: StepInput, context) => {
    // The task token is a secret: log everything but it.
    const { token: _token, state: _state, ...shown } = input;
    logger.appendKeys({ rolloutId: input.rolloutId, stageIndex: input.stageIndex, action: input.action });
    logger.info('Rollout step', { step: shown });
    // A throttled or failing AWS call (a notification, a domain event) is retried by the state machine.
    return retryableAws(() =>
      runStep(input, { ...deps, arnPrefix: iotArnPrefix(context.invokedFunctionArn) }),
    );
  },
  { schema: stepInputSchema },
);
