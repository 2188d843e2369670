import { InvalidRulesError } from '../../errors';
import { GROUP_NAME_MAX, isReservedGroupName, isValidGroupName } from './group-name';
import type { Ring } from './ring';
import { type RuleCondition, type RuleSpec, rulesFileSchema } from './rules-schema';
import { type PatternToken, parseTemplate, patternsIntersect, type Template, toPattern } from './template';

/** AWS: a thing is in at most 10 groups; a hierarchy is at most 7 deep. */
export const MAX_GROUPS_PER_THING = 10;
const MAX_HIERARCHY_DEPTH = 7;
const DEFAULT_RING_SALT = 'fleet-autopilot-rings';

export type CompiledRule = {
  name: string;
  when: RuleCondition | undefined;
  /** Root-first chain of templates; the last one is the group the thing joins. */
  chain: Template[];
  rings: Ring[] | undefined;
  salt: string;
};

export type CompiledRules = { lowerCase: boolean; rules: CompiledRule[] };

/** Validates a parsed rules file (config/grouping-rules.yml); every problem is reported at once. */
export function compileRules(raw: unknown): CompiledRules {
  const parsed = rulesFileSchema.safeParse(raw);
  if (!parsed.success) {
    throw new InvalidRulesError(parsed.error.issues.map((i) => `${describePath(raw, i.path)}: ${i.message}`));
  }
  const { lowerCase, rules } = parsed.data;
  const problems: string[] = [];
  const compiled = rules.map((spec) => compileRule(spec, problems));
  checkNames(rules, problems);
  checkLimits(compiled, lowerCase, problems);
  if (problems.length > 0) throw new InvalidRulesError(problems);
  return { lowerCase, rules: compiled };
}

function compileRule(spec: RuleSpec, problems: string[]): CompiledRule {
  const sources = [...(spec.parents ?? []), ...(spec.rings ? [] : [spec.group ?? ''])];
  const chain: Template[] = [];
  for (const source of sources) {
    const template = parseTemplate(source);
    if (typeof template === 'string') problems.push(`rule "${spec.name}": ${template}`);
    else chain.push(template);
  }
  for (const ring of spec.rings ?? []) {
    if (!isValidGroupName(ring.group))
      problems.push(`rule "${spec.name}": ring group "${ring.group}" is not a valid group name`);
  }
  const ringTotal = (spec.rings ?? []).reduce((sum, r) => sum + r.percent, 0);
  if (ringTotal > 100.0001) problems.push(`rule "${spec.name}": rings add up to ${ringTotal}%, over 100%`);
  const depth = (spec.parents?.length ?? 0) + 1;
  if (depth > MAX_HIERARCHY_DEPTH) {
    problems.push(`rule "${spec.name}": hierarchy depth ${depth} exceeds AWS's ${MAX_HIERARCHY_DEPTH}`);
  }
  for (const t of chain) {
    if (t.parts.every((p) => 'literal' in p) && t.source.length > GROUP_NAME_MAX) {
      problems.push(`rule "${spec.name}": group "${t.source}" is longer than ${GROUP_NAME_MAX} characters`);
    }
  }
  return { name: spec.name, when: spec.when, chain, rings: spec.rings, salt: spec.salt ?? DEFAULT_RING_SALT };
}

function checkNames(rules: RuleSpec[], problems: string[]): void {
  const seen = new Set<string>();
  for (const r of rules) {
    if (seen.has(r.name)) problems.push(`rule "${r.name}" is defined twice`);
    seen.add(r.name);
  }
}

/** Every group a rule can name, as patterns: its chain, plus its ring groups (with their parents). */
function nodePatterns(rule: CompiledRule, lowerCase: boolean): PatternToken[][] {
  const patterns = rule.chain.map((t) => toPattern(t, lowerCase));
  for (const ring of rule.rings ?? []) {
    const name = lowerCase ? ring.group.toLowerCase() : ring.group;
    patterns.push([...name].map((char) => ({ char })));
  }
  return patterns;
}

/**
 * Each rule puts a thing in at most one group, so each rule must own its hierarchy: if two rules
 * could name a common group anywhere in their chains, AWS's one-group-per-hierarchy rule could
 * break for some thing. Rules that exclude each other belong in one rule.
 */
function checkLimits(rules: CompiledRule[], lowerCase: boolean, problems: string[]): void {
  if (rules.length > MAX_GROUPS_PER_THING) {
    problems.push(
      `${rules.length} rules can put a thing in ${rules.length} groups, over AWS's ${MAX_GROUPS_PER_THING} per thing: ${rules.map((r) => r.name).join(', ')}`,
    );
  }
  const patterns = rules.map((r) => nodePatterns(r, lowerCase));
  for (let i = 0; i < rules.length; i++) {
    for (let j = i + 1; j < rules.length; j++) {
      const a = patterns[i] ?? [];
      const b = patterns[j] ?? [];
      if (a.some((pa) => b.some((pb) => patternsIntersect(pa, pb)))) {
        problems.push(
          `rules "${rules[i]?.name}" and "${rules[j]?.name}" can name groups in the same hierarchy, and AWS allows one group per hierarchy per thing: give them distinct roots, or merge them into one rule`,
        );
      }
    }
  }
}

function describePath(raw: unknown, path: PropertyKey[]): string {
  if (path[0] === 'rules' && typeof path[1] === 'number' && raw && typeof raw === 'object') {
    const rules = (raw as { rules?: unknown[] }).rules;
    const rule = rules?.[path[1]] as { name?: unknown } | undefined;
    const label = typeof rule?.name === 'string' ? `rule "${rule.name}"` : `rules[${path[1]}]`;
    const rest = path.slice(2).map(String).join('.');
    return rest ? `${label}.${rest}` : label;
  }
  return path.length > 0 ? path.map(String).join('.') : '(file)';
}

/**
 * Whether these rules could put some thing in `group`: it matches a rule's group template or is one
 * of its ring groups (parents are only created, never joined). Groups the automation made for other
 * purposes (a rollout's rollback group) are not the grouping's to take a thing out of.
 */
export function rulesCanJoin(rules: CompiledRules, group: string): boolean {
  if (isReservedGroupName(group)) return false; // the rules never name these (evaluate.ts)
  const name: PatternToken[] = [...group].map((char) => ({ char }));
  return rules.rules.some((rule) => {
    const leaves = rule.rings
      ? rule.rings.map((ring) =>
          [...(rules.lowerCase ? ring.group.toLowerCase() : ring.group)].map((char) => ({ char })),
        )
      : rule.chain.slice(-1).map((t) => toPattern(t, rules.lowerCase));
    return leaves.some((leaf) => patternsIntersect(leaf, name));
  });
}
