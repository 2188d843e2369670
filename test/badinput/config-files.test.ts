import { describe, expect, it } from 'vitest';
import { evaluateRules } from '../../shared/domain/grouping/evaluate';
import { GROUP_NAME_PATTERN } from '../../shared/domain/grouping/group-name';
import { compileRulesText } from '../../shared/domain/grouping/rules-text';
import { parseThingsCsv } from '../../shared/domain/onboarding/things-csv';
import { jobIdFor, ROLLOUT_ID, rolloutIdFor } from '../../shared/domain/rollout/ids';
import { planDigest, resolvePlan } from '../../shared/domain/rollout/plan';
import { readPlan } from '../../shared/domain/rollout/plan-text';
import { parsePolicyText } from '../../shared/domain/tunnels/policy-text';
import { planCases, rulesCases } from './cases-config';
import { csvCases, policyCases } from './cases-files';
import { INJECTION_NAMES, prototypePolluted } from './corpus';

// Operator-written inputs: each malformed file is refused with its typed error (stable name); one
// that a mutation left valid is accepted only if every name it produces matches AWS's pattern.

/** Runs `parse`; returns the error's name, or 'accepted' with the value. */
function outcome<T>(parse: () => T): { name: string; value?: T } {
  try {
    return { name: 'accepted', value: parse() };
  } catch (error) {
    return { name: (error as Error).name };
  }
}

const hostileThings = INJECTION_NAMES.map((value, i) => ({
  thingName: `thing-${i}`,
  thingType: value,
  attributes: Object.fromEntries(['region', 'site', 'model', 'a', 'b', 'x'].map((k) => [k, value])),
}));

describe('bad input: grouping rules file', () => {
  it('refuses every malformed rules file with InvalidRulesError', () => {
    const cases = rulesCases();
    let accepted = 0;
    for (const c of cases) {
      const result = outcome(() => compileRulesText(c.value as string));
      if (result.name === 'accepted' && result.value) {
        accepted++;
        for (const thing of hostileThings) {
          for (const o of evaluateRules(result.value, thing)) {
            if (o.outcome !== 'applied') continue;
            for (const name of [...o.parents, o.group]) expect(name, c.label).toMatch(GROUP_NAME_PATTERN);
          }
        }
      } else {
        expect(result.name, c.label).toBe('InvalidRulesError');
      }
    }
    expect(accepted).toBeLessThan(cases.length / 10);
    expect(prototypePolluted()).toBe(false);
    console.info(`rules file: ${cases.length} cases (${accepted} valid after mutation)`);
  });
});

describe('bad input: rollout plans', () => {
  it('refuses every malformed plan with InvalidPlanError; any accepted plan yields AWS-valid ids', () => {
    const cases = planCases();
    let accepted = 0;
    for (const c of cases) {
      const result = outcome(() => resolvePlan(typeof c.value === 'string' ? readPlan(c.value) : c.value));
      if (result.name === 'accepted' && result.value) {
        accepted++;
        const id = rolloutIdFor(result.value.name, planDigest(result.value));
        expect(id, c.label).toMatch(ROLLOUT_ID);
        for (const stage of result.value.stages) {
          expect(jobIdFor(id, stage.index)).toMatch(/^[a-zA-Z0-9_-]{1,64}$/);
          for (const t of stage.targets) expect(t).toMatch(GROUP_NAME_PATTERN);
        }
      } else {
        expect(result.name, c.label).toBe('InvalidPlanError');
      }
    }
    expect(accepted).toBeLessThan(cases.length / 10);
    console.info(`rollout plans: ${cases.length} cases (${accepted} valid after mutation)`);
  });

  it('refuses documents DynamoDB cannot store, as plan errors naming the field', () => {
    const plan = (document: unknown) => ({ name: 'x', targets: ['g'], document });
    expect(() => resolvePlan(plan({ a: { b: 1e200 } }))).toThrow(/document\.a\.b: 1e\+200 cannot be stored/);
    expect(() => resolvePlan(plan(JSON.parse(`${'{"a":'.repeat(20)}1${'}'.repeat(20)}`)))).toThrow(
      /nested deeper than 16/,
    );
    expect(resolvePlan(plan({ a: [1.5, -3, 'x', null, true, { b: 2 ** 52 }] })).document).toBeDefined();
  });
});

describe('bad input: tunnel policy', () => {
  it('refuses every malformed policy with InvalidInputError', () => {
    const cases = policyCases();
    let accepted = 0;
    for (const c of cases) {
      const result = outcome(() => parsePolicyText(c.value as string));
      if (result.name === 'accepted' && result.value) {
        accepted++;
        for (const s of result.value.services) expect(s).toMatch(/^[a-zA-Z0-9:_-]{1,128}$/);
      } else {
        expect(result.name, c.label).toBe('InvalidInputError');
      }
    }
    expect(accepted).toBeLessThan(cases.length / 10);
    console.info(`tunnel policy: ${cases.length} cases (${accepted} valid after mutation)`);
  });
});

describe('bad input: onboarding CSV', () => {
  it('reports problems for every malformed file and accepts only AWS-valid names', () => {
    const cases = csvCases();
    let accepted = 0;
    for (const c of cases) {
      const result = parseThingsCsv(c.value as string);
      for (const t of result.things) {
        expect(t.thingName).toMatch(/^[a-zA-Z0-9:_-]{1,128}$/);
        expect(Object.getPrototypeOf(t.attributes)).toBe(Object.prototype);
      }
      if (result.problems.length === 0) accepted++;
    }
    expect(accepted).toBeLessThanOrEqual(2);
    console.info(`onboarding CSV: ${cases.length} cases (${accepted} accepted)`);
  });
});
