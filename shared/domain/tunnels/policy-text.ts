import { parse as parseYaml } from 'yaml';
import { InvalidInputError } from '../../errors';
import { parsePolicy, type TunnelPolicy } from './policy';

/** The policy file's text, for tools and tests; functions get it already parsed, at bundle time. */
export function parsePolicyText(text: string): TunnelPolicy {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    throw new InvalidInputError(`tunnel policy: not valid YAML: ${(error as Error).message}`);
  }
  return parsePolicy(raw);
}
