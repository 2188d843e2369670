import { iotRollbackPort } from '../shared/adapters/rollback-iot';
import { rolloutConfigSchema, rolloutDeps } from '../shared/adapters/rollout-deps';
import { retryableAws } from '../shared/adapters/transient-errors';
import { iotClient } from '../shared/clients';
import { systemClock } from '../shared/clock';
import { loadConfig, positiveInt } from '../shared/config';
import { iotArnPrefix } from '../shared/domain/rollout/job-request';
import { wrapHandler } from '../shared/handler';
import { logger } from '../shared/observability';
import { runStep, type StepInput, stepInputSchema } from '../shared/services/rollout-steps';
import * as z from '../shared/zod';

/** The staged-rollout state machine's tasks (statemachines/staged-rollout.asl.yaml), one `action` each. */
const config = loadConfig(
  z.extend(rolloutConfigSchema, {
    // A rollback's AddThingToThingGroup pace: its share of the account's 100 TPS (assign-groups has the rest).
    ROLLBACK_MEMBERSHIP_TPS: z.optional(positiveInt(1000)),
  }),
  process.env,
);
const deps = {
  ...rolloutDeps(config, 'function:rollout-steps'),
  rollback: iotRollbackPort(iotClient(), config.ROLLBACK_MEMBERSHIP_TPS ?? 20, systemClock),
};

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
