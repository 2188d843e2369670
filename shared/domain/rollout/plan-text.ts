import { parse as parseYaml } from 'yaml';
import { InvalidPlanError } from './errors';
import { MAX_PLAN_BYTES } from './plan';

/**
 * Reads a plan file's text (YAML or JSON; JSON is YAML) into the object resolvePlan validates.
 * The CLI and the local stack read plan files with it; the operator API takes JSON only.
 */
export function readPlan(text: string): unknown {
  if (Buffer.byteLength(text, 'utf8') > MAX_PLAN_BYTES) {
    throw new InvalidPlanError([`(plan): larger than ${MAX_PLAN_BYTES} bytes`]);
  }
  try {
    return parseYaml(text, { maxAliasCount: 50, uniqueKeys: true });
  } catch (error) {
    throw new InvalidPlanError([
      `(plan): not valid YAML or JSON: ${(error as Error).message.split('\n')[0]}`,
    ]);
  }
}
