import type { CompiledRule, CompiledRules } from './compile-rules';
import { GROUP_NAME_MAX, isReservedGroupName, RESERVED_GROUP_PREFIX } from './group-name';
import { ringBucket, ringFor } from './ring';
import type { RuleCondition } from './rules-schema';
import { attributeOf, renderTemplate } from './template';

export type ThingFacts = {
  thingName: string;
  thingType?: string | undefined;
  attributes: Readonly<Record<string, string>>;
};

/** A group to join, with its parent chain (root first) that must exist before it. */
export type GroupTarget = { rule: string; group: string; parents: string[] };

export type RuleOutcome =
  | { rule: string; outcome: 'applied'; group: string; parents: string[] }
  | { rule: string; outcome: 'not-matched'; reason: string }
  | { rule: string; outcome: 'not-applied'; reason: string };

/** Which groups the rules put this thing in, and why each rule did or did not apply. Pure. */
export function evaluateRules(rules: CompiledRules, thing: ThingFacts): RuleOutcome[] {
  return rules.rules.map((rule) => evaluateRule(rule, thing, rules.lowerCase));
}

export function targetsOf(outcomes: readonly RuleOutcome[]): GroupTarget[] {
  return outcomes.flatMap((o) =>
    o.outcome === 'applied' ? [{ rule: o.rule, group: o.group, parents: o.parents }] : [],
  );
}

function evaluateRule(rule: CompiledRule, thing: ThingFacts, lowerCase: boolean): RuleOutcome {
  const unmet = unmetCondition(rule.when, thing);
  if (unmet) return { rule: rule.name, outcome: 'not-matched', reason: unmet };
  const chain: string[] = [];
  for (const template of rule.chain) {
    const rendered = renderTemplate(
      template,
      { attributes: thing.attributes, thingType: thing.thingType },
      lowerCase,
    );
    if (!rendered.ok) return { rule: rule.name, outcome: 'not-applied', reason: rendered.reason };
    if (rendered.name.length > GROUP_NAME_MAX) {
      return {
        rule: rule.name,
        outcome: 'not-applied',
        reason: `group name longer than ${GROUP_NAME_MAX} characters`,
      };
    }
    if (isReservedGroupName(rendered.name)) {
      return {
        rule: rule.name,
        outcome: 'not-applied',
        reason: `group name starts with ${RESERVED_GROUP_PREFIX}, which the rollouts' own groups use`,
      };
    }
    chain.push(rendered.name);
  }
  if (rule.rings) {
    const ring = ringFor(ringBucket(thing.thingName, rule.salt), rule.rings);
    if (!ring) return { rule: rule.name, outcome: 'not-matched', reason: 'outside every ring' };
    chain.push(lowerCase ? ring.group.toLowerCase() : ring.group);
  }
  if (new Set(chain).size !== chain.length) {
    return {
      rule: rule.name,
      outcome: 'not-applied',
      reason: `group chain repeats a name: ${chain.join(' > ')}`,
    };
  }
  const group = chain.pop() as string;
  return { rule: rule.name, outcome: 'applied', group, parents: chain };
}

function unmetCondition(when: RuleCondition | undefined, thing: ThingFacts): string | undefined {
  if (!when) return undefined;
  if (when.thingTypes && !(thing.thingType && when.thingTypes.includes(thing.thingType))) {
    return `thing type ${thing.thingType ?? '(none)'} not in [${when.thingTypes.join(', ')}]`;
  }
  for (const key of when.exists ?? []) {
    if (!attributeOf(thing.attributes, key)) return `attribute ${key} is missing`;
  }
  for (const [key, expected] of Object.entries(when.attributes ?? {})) {
    const actual = attributeOf(thing.attributes, key);
    const allowed = Array.isArray(expected) ? expected : [expected];
    if (actual === undefined || !allowed.includes(actual)) {
      return `attribute ${key}=${actual ?? '(missing)'} not in [${allowed.join(', ')}]`;
    }
  }
  return undefined;
}
