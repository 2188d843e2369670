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
const chaosSchema = z.strictObject({
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
  /**
   * Variables over every function's environment (the stack's `functionEnv`), e.g. AWS_MAX_ATTEMPTS
   * for a test at fault rates where the SDK's real-time back-offs would take minutes. Chaos files
   * that measure the product leave it out: the functions run as deployed.
   */
  functionEnv: z.record(z.string().regex(/^AWS_[A-Z_]+$/), z.string()).default({}),
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
  /**
   * The red team's attacks (local/chaos/adversary.ts). `enabled`: on without `--adversary` (the quick
   * run in `npm test`); `--adversary` turns it on, `--no-adversary` off, for every file.
   */
  adversary: z
    .strictObject({
      enabled: z.boolean().default(false),
      /** The rollout whose first stage fails: its outcomes are forged, and once halted it is restarted. */
      failingRollout: z.string().min(1),
      /** The rollout that asks for an approval: tokens are hunted, its creator tries to approve. */
      approvalRollout: z.string().min(1),
      /** When forged registry events go to the assignment queue and to a reserved topic. */
      registryAt: duration,
      /** When an alarm nobody enrolled goes to ALARM. */
      alarmAt: duration,
    })
    .optional(),
  /** The last `count` devices are created at `at`, while the timeline (e.g. a rollout) runs. */
  provisionBurst: z
    .strictObject({ at: duration, count: z.number().int().positive(), ratePerSecond: z.number().positive() })
    .optional(),
});

type ChaosSettings = z.infer<typeof chaosSchema>;
export type AdversarySettings = NonNullable<ChaosSettings['adversary']>;
export type ChaosScenario = { scenario: Scenario; chaos: ChaosSettings };

/** A chaos file is a scenario file plus a `chaos:` section; both are validated, every issue named. */
function parseChaosScenario(text: string): ChaosScenario {
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
