import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';
import { parseDuration } from '../scenario/duration';
import { parseScenario } from '../scenario/load';
import { formatIssues, InvalidScenarioError, type Scenario } from '../scenario/schema';

const duration = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const ms = parseDuration(value);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `"${value}" is not a duration` });
    return z.NEVER;
  }
  return ms;
});

/** The `chaos:` section of a scenarios/chaos-*.yml file: what the scenario format cannot say. */
export const chaosSchema = z.strictObject({
  /** Virtual seconds per real second while work is in flight (the stack's `speed`). */
  speed: z.number().positive().max(1000).default(20),
  /** Containers that exit mid-invocation (e.g. in the middle of an SQS batch). */
  crashes: z
    .array(
      z.strictObject({
        function: z.string().min(1),
        invocations: z.array(z.number().int().positive()).min(1),
        afterMs: z.number().int().min(0).default(20),
      }),
    )
    .default([]),
  /** Share of the state machine's Lambda task calls failing with Lambda.ServiceException. */
  sfnLambdaFailureRate: z.number().min(0).max(1).default(0),
  /** Share of EventBridge deliveries (every bus) handed to the rules a second time, late. */
  eventBridgeDuplicateRate: z.number().min(0).max(1).default(0),
  /** Hundreds of alarm state changes (ALARM/OK alternating per thing) within a short window. */
  alarmStorm: z
    .strictObject({
      at: duration,
      things: z.number().int().positive(),
      changes: z.number().int().positive(),
      within: duration,
    })
    .optional(),
  /** The last `count` devices are created at `at`, while the timeline (e.g. a rollout) runs. */
  provisionBurst: z
    .strictObject({ at: duration, count: z.number().int().positive(), ratePerSecond: z.number().positive() })
    .optional(),
});

export type ChaosSettings = z.infer<typeof chaosSchema>;
export type ChaosScenario = { scenario: Scenario; chaos: ChaosSettings };

/** A chaos file is a scenario file plus a `chaos:` section; both are validated, every issue named. */
export function parseChaosScenario(text: string): ChaosScenario {
  const raw = parse(text) as Record<string, unknown> | null;
  if (!raw || typeof raw !== 'object') throw new InvalidScenarioError(['(root): not a mapping']);
  const { chaos, ...rest } = raw;
  const scenario = parseScenario(JSON.stringify(rest));
  const result = chaosSchema.safeParse(chaos ?? {});
  if (!result.success)
    throw new InvalidScenarioError(formatIssues(result.error).map((issue) => `chaos.${issue}`));
  return { scenario, chaos: result.data };
}

export function loadChaosScenario(file: string): ChaosScenario {
  return parseChaosScenario(readFileSync(file, 'utf8'));
}
