import { iotRollbackPort } from '../../shared/adapters/rollback-iot';
import { retryableAws } from '../../shared/adapters/transient-errors';
import { iotClient } from '../../shared/clients';
import { type Clock, systemClock } from '../../shared/clock';
import { positiveInt } from '../../shared/config';
import type { RollbackIot } from '../../shared/services/rollout-rollback-port';
import { runStep, type StepInput } from '../../shared/services/rollout-steps';
import * as z from '../../shared/zod';
import { rolloutConfigSchema, rolloutDeps } from './rollout';

/** The steps' environment: a rollback's AddThingToThingGroup pace, its share of the account's 100 TPS. */
export const stepsConfigSchema = z.extend(rolloutConfigSchema, {
  ROLLBACK_MEMBERSHIP_TPS: z.optional(positiveInt(1000)),
});
type StepsConfig = z.infer<typeof stepsConfigSchema>;

/** AWS IoT for a rollback, paced at the configured share of the membership quota (20 TPS unless set). */
function rollbackIot(config: StepsConfig, clock: Clock = systemClock): RollbackIot {
  return iotRollbackPort(iotClient(), config.ROLLBACK_MEMBERSHIP_TPS ?? 20, clock);
}

/**
 * The state machine's tasks on the production adapters. A throttled or failing AWS call (a
 * notification, a domain event) that outlasts the SDK's retries comes out as AwsTransientError,
 * which the state machine retries with backoff.
 */
export function stepRunner(config: StepsConfig, actor: string) {
  const deps = { ...rolloutDeps(config, actor), rollback: rollbackIot(config) };
  return (input: StepInput, arnPrefix: string) => retryableAws(() => runStep(input, { ...deps, arnPrefix }));
}
