import { parse as parseYaml } from 'yaml';
import { InvalidRulesError } from '../../errors';
import { type CompiledRules, compileRules } from './compile-rules';

/** A rules file's text (YAML or JSON), for tools and tests; functions get it parsed at bundle time. */
export function compileRulesText(text: string): CompiledRules {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    throw new InvalidRulesError([`not valid YAML: ${(error as Error).message}`]);
  }
  return compileRules(raw);
}
