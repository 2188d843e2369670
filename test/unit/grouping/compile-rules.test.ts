import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileRules, rulesCanJoin } from '../../../shared/domain/grouping/compile-rules';
import { compileRulesText } from '../../../shared/domain/grouping/rules-text';
import { InvalidRulesError } from '../../../shared/errors';

function problemsOf(raw: unknown): string[] {
  try {
    compileRules(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidRulesError);
    return [...(error as InvalidRulesError).problems];
  }
  throw new Error('expected the rules to be rejected');
}

describe('compileRules()', () => {
  it('accepts the rules file shipped in the repo', () => {
    const rules = compileRulesText(readFileSync('config/grouping-rules.yml', 'utf8'));
    expect(rules.rules.map((r) => r.name)).toEqual(['site', 'model', 'rings']);
  });

  it('rejects a file whose rules could put a thing in more than 10 groups, naming the rules', () => {
    const rules = Array.from({ length: 11 }, (_, i) => ({ name: `r${i}`, group: `g${i}-{a}` }));
    const problems = problemsOf({ version: 1, rules });
    expect(problems.join('\n')).toMatch(/11 rules .* over AWS's 10 per thing: r0, r1, .*r10/);
  });

  it('rejects two rules that can name groups of one hierarchy, naming both', () => {
    const problems = problemsOf({
      version: 1,
      rules: [
        { name: 'by-site', parents: ['sites'], group: 'site-{site}' },
        { name: 'by-plant', parents: ['sites'], group: 'plant-{plant}' },
      ],
    });
    expect(problems).toEqual([
      expect.stringMatching(/rules "by-site" and "by-plant" can name groups in the same hierarchy/),
    ]);
  });

  it('rejects a template that could collide with another rule at any level of its chain', () => {
    const problems = problemsOf({
      version: 1,
      rules: [
        { name: 'region', group: 'region-{region}' },
        { name: 'site', parents: ['sites'], group: 'region-{site}' },
      ],
    });
    expect(problems[0]).toMatch(/"region" and "site"/);
  });

  it('allows rules whose hierarchies can never meet', () => {
    expect(() =>
      compileRules({
        version: 1,
        rules: [
          { name: 'site', parents: ['sites', 'sites-{region}'], group: 'site-{region}-{site}' },
          { name: 'model', group: 'model-{model}' },
          { name: 'rings', rings: [{ group: 'ring-canary', percent: 1 }] },
        ],
      }),
    ).not.toThrow();
  });

  it('lists every problem at once: schema, template, depth, rings and duplicates', () => {
    const problems = problemsOf({
      version: 1,
      rules: [
        { name: 'a', group: 'bad name {x}' },
        { name: 'a', group: 'ok-{x}' },
        { name: 'deep', parents: ['p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7'], group: 'leaf' },
        {
          name: 'ring',
          rings: [
            { group: 'r1', percent: 60 },
            { group: 'r2', percent: 50 },
          ],
        },
      ],
    });
    const text = problems.join('\n');
    expect(text).toMatch(/rule "a": template "bad name \{x\}"/);
    expect(text).toMatch(/rule "a" is defined twice/);
    expect(text).toMatch(/rule "deep": hierarchy depth 8/);
    expect(text).toMatch(/rule "ring": rings add up to 110%/);
  });

  it('names the rule in schema errors', () => {
    const problems = problemsOf({
      version: 1,
      rules: [{ name: 'x', group: 'g', rings: [{ group: 'r', percent: 1 }] }],
    });
    expect(problems[0]).toMatch(/^rule "x".*exactly one of "group" or "rings"/);
    expect(problemsOf({ version: 2, rules: [] })[0]).toMatch(/^version/);
  });

  it('reports YAML syntax errors as invalid rules', () => {
    expect(() => compileRulesText('rules: [')).toThrow(InvalidRulesError);
  });
});

describe('rulesCanJoin()', () => {
  const rules = compileRules({
    version: 1,
    lowerCase: true,
    rules: [
      { name: 'site', parents: ['sites', 'sites-{region}'], group: 'site-{region}-{site}' },
      { name: 'model', group: 'model-{model}' },
      { name: 'rings', parents: ['rings'], rings: [{ group: 'Ring-Canary', percent: 1 }] },
    ],
  });

  it('is true for a group a rule or a ring names, false for parents and for anything else', () => {
    expect(rulesCanJoin(rules, 'site-eu-west-1-plant-7')).toBe(true);
    expect(rulesCanJoin(rules, 'model-th200')).toBe(true);
    expect(rulesCanJoin(rules, 'ring-canary')).toBe(true);
    expect(rulesCanJoin(rules, 'sites')).toBe(false);
    expect(rulesCanJoin(rules, 'sites-eu-west-1')).toBe(false);
    expect(rulesCanJoin(rules, 'rings')).toBe(false);
    expect(rulesCanJoin(rules, 'fw-3-1-rollback')).toBe(false);
    expect(rulesCanJoin(rules, 'Model-TH200')).toBe(false); // lower-cased rules name lower-case groups
  });

  it('is false for the reserved fleet-autopilot- names, which a template starting with a placeholder matches', () => {
    const open = compileRules({ version: 1, rules: [{ name: 'any', group: '{thingType}-{model}' }] });
    expect(rulesCanJoin(open, 'sensor-th200')).toBe(true);
    expect(rulesCanJoin(open, 'fleet-autopilot-rollback-r1')).toBe(false);
  });
});
