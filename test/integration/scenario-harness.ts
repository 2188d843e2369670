import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Progress } from '../../local/scenario/progress';
import { scanAudit } from '../../local/scenario/report';
import { ScenarioRun } from '../../local/scenario/runner';
import type { Scenario } from '../../local/scenario/schema';
import { type LocalStack, startLocalStack } from '../../local/stack';

/**
 * Starts the stack for a scenario, writes its plans to a temp dir and plays it to the end. `setup` runs
 * once the stack is deployed, before the scenario: what an operator does to the account beforehand.
 */
export async function playScenario(
  scenario: Scenario,
  plans: Record<string, string>,
  setup?: (stack: LocalStack) => Promise<void>,
) {
  const dir = mkdtempSync(path.join(tmpdir(), 'scenario-'));
  for (const [file, text] of Object.entries(plans)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), text);
  }
  const stack: LocalStack = await startLocalStack({
    seed: scenario.seed,
    faults: scenario.faults,
    delivery: {
      duplicateRate: scenario.delivery.duplicateRate,
      reorderWindowMs: scenario.delivery.reorderWindowSeconds * 1000,
    },
    functionEnv: { AWS_RETRY_MODE: 'standard' },
  });
  await stack.deployCustomResources();
  await setup?.(stack);
  const progress = new Progress(
    stack.clock.now(),
    () => stack.clock.now(),
    () => undefined,
  );
  const run = new ScenarioRun(stack, scenario, progress, dir);
  run.schedule();
  await stack.runUntilIdle();
  const audit = await scanAudit(stack);
  return { stack, run, audit };
}

export const fleet = (count: number) => ({
  count,
  namePrefix: 'dev-',
  thingTypes: { sensor: 1 },
  attributes: { region: { 'eu-west-1': 1 }, site: { 'plant-1': 1, 'plant-2': 1 }, model: { a: 1, b: 1 } },
});
