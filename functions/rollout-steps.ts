import { loadConfig } from '../shared/config';
import { iotArnPrefix } from '../shared/domain/rollout/job-request';
import { wrapHandler } from '../shared/handler';
import { logger } from '../shared/observability';
import { type StepInput, stepInputSchema } from '../shared/services/rollout-steps';
import { stepRunner, stepsConfigSchema } from './wiring/rollout-steps';

/** The staged-rollout state machine's tasks (statemachines/staged-rollout.asl.yaml), one `action` each. */
const runStep = stepRunner(loadConfig(stepsConfigSchema, process.env), 'function:rollout-steps');

export const handler = wrapHandler(
  async (input: StepInput, context) => {
    // The task token is a secret: log everything but it.
    const { token: _token, state: _state, ...shown } = input;
    logger.appendKeys({ rolloutId: input.rolloutId, stageIndex: input.stageIndex, action: input.action });
    logger.info('Rollout step', { step: shown });
    return runStep(input, iotArnPrefix(context.invokedFunctionArn));
  },
  { schema: stepInputSchema },
);
