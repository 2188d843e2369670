import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { formatIssues, InvalidScenarioError, type Scenario, scenarioSchema } from './schema';

/** Parses and validates scenario YAML; every problem is reported at once, by field. */
export function parseScenario(text: string): Scenario {
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (error) {
    throw new InvalidScenarioError([`(yaml): ${(error as Error).message.split('\n')[0]}`]);
  }
  const result = scenarioSchema.safeParse(raw);
  if (!result.success) throw new InvalidScenarioError(formatIssues(result.error));
  const issues: string[] = [];
  const refs = new Set<string>();
  result.data.timeline.forEach((step, i) => {
    if ('startRollout' in step) {
      if (refs.has(step.startRollout.ref))
        issues.push(`timeline[${i}].startRollout.ref: "${step.startRollout.ref}" is used twice`);
      refs.add(step.startRollout.ref);
    }
    const ref = rolloutRefOf(step);
    if (ref !== undefined && !refs.has(ref))
      issues.push(`timeline[${i}]: rollout "${ref}" is not started by an earlier startRollout step`);
  });
  if (issues.length > 0) throw new InvalidScenarioError(issues);
  return result.data;
}

export function loadScenario(file: string): Scenario {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new InvalidScenarioError([`(file): cannot read ${file}: ${(error as Error).message}`]);
  }
  return parseScenario(text);
}

function rolloutRefOf(step: Scenario['timeline'][number]): string | undefined {
  for (const key of ['approve', 'reject', 'pause', 'resume', 'abort', 'complete'] as const)
    if (key in step) return (step as unknown as Record<typeof key, { rollout: string }>)[key].rollout;
  return undefined;
}
