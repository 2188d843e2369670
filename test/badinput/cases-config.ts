import fc from 'fast-check';
import {
  anyJson,
  deepJson,
  HOSTILE_VALUES,
  INJECTION_NAMES,
  mutations,
  nested,
  SEED,
  SMALL_HOSTILE_VALUES,
} from './corpus';

// Operator-written inputs: grouping rules, rollout plans, tunnel policy, onboarding CSV.

export type Case = { label: string; value: unknown };
// JSON is YAML, and far faster to write for the 200 KB and 10,000-element values.
const yaml = (value: unknown) => JSON.stringify(value) ?? '';

export const VALID_RULES = {
  version: 1,
  rules: [
    { name: 'site', parents: ['sites', 'sites-{region}'], group: 'site-{region}-{site}' },
    { name: 'model', when: { thingTypes: ['sensor'] }, group: 'model-{model}' },
    { name: 'rings', parents: ['rings'], rings: [{ group: 'ring-canary', percent: 1 }] },
  ],
};

/** Rules files (text) that must be refused with InvalidRulesError. */
export function rulesCases(): Case[] {
  const rule = VALID_RULES.rules[0] as Record<string, unknown>;
  const withRule = (r: unknown) => ({ ...VALID_RULES, rules: [r] });
  const text: Case[] = [
    { label: 'empty', value: '' },
    { label: 'not YAML', value: 'rules: [unclosed' },
    { label: 'a scalar', value: '42' },
    { label: 'duplicate keys', value: 'version: 1\nversion: 1\nrules: []' },
    {
      label: 'alias bomb',
      value: `a: &a [x,x,x,x,x,x,x,x,x]\n${Array.from({ length: 12 }, (_, i) => `b${i}: &b${i} [${`*${i ? `b${i - 1}` : 'a'},`.repeat(9)}]`).join('\n')}`,
    },
    { label: 'nested 1,000 deep', value: deepJson(1_000) },
    { label: 'YAML tag', value: 'version: !!js/function "function(){}"\nrules: []' },
  ];
  const objects: Case[] = [
    { label: 'group of 200,000 chars', value: withRule({ ...rule, group: 'g'.repeat(200_000) }) },
    {
      label: 'parents of 10,000',
      value: withRule({ ...rule, parents: Array.from({ length: 10_000 }, (_, i) => `p${i}`) }),
    },
    ...mutations(
      VALID_RULES as Record<string, unknown>,
      SMALL_HOSTILE_VALUES,
      (f, v) => f === 'lowerCase' && v === undefined,
    ),
    ...mutations(
      rule,
      SMALL_HOSTILE_VALUES,
      (f, v) => f === 'parents' && (v === undefined || Array.isArray(v)),
    ).map((c) => ({
      label: `rule.${c.label}`,
      value: withRule(c.value),
    })),
    ...INJECTION_NAMES.flatMap((n) => [
      {
        label: `group template ${JSON.stringify(n).slice(0, 24)}`,
        value: withRule({ ...rule, group: `site-${n}` }),
      },
      {
        label: `ring group ${JSON.stringify(n).slice(0, 24)}`,
        value: withRule({ name: 'r', rings: [{ group: n, percent: 1 }] }),
      },
      { label: `rule name ${JSON.stringify(n).slice(0, 24)}`, value: withRule({ ...rule, name: n }) },
    ]),
    { label: 'unclosed placeholder', value: withRule({ ...rule, group: 'site-{region' }) },
    { label: 'placeholder of 129 chars', value: withRule({ ...rule, group: `{${'a'.repeat(129)}}` }) },
    {
      label: 'literal group of 129',
      value: withRule({ ...rule, parents: undefined, group: 'g'.repeat(129) }),
    },
    {
      label: 'hierarchy 8 deep',
      value: withRule({ ...rule, parents: ['p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7'] }),
    },
    {
      label: 'rings over 100%',
      value: withRule({
        name: 'r',
        rings: [
          { group: 'a', percent: 60 },
          { group: 'b', percent: 41 },
        ],
      }),
    },
    { label: 'ring percent 0.001', value: withRule({ name: 'r', rings: [{ group: 'a', percent: 0.001 }] }) },
    {
      label: '11 rules',
      value: {
        version: 1,
        rules: Array.from({ length: 11 }, (_, i) => ({ name: `r${i}`, group: `root${i}-{a}` })),
      },
    },
    {
      label: '1,000 rules',
      value: {
        version: 1,
        rules: Array.from({ length: 1_000 }, (_, i) => ({ name: `r${i}`, group: `g${i}` })),
      },
    },
    {
      label: 'overlapping rules',
      value: {
        version: 1,
        rules: [
          { name: 'a', group: 'x-{a}' },
          { name: 'b', group: '{b}-y' },
        ],
      },
    },
    { label: 'both group and rings', value: withRule({ ...rule, rings: [{ group: 'a', percent: 1 }] }) },
    {
      label: 'unknown key __proto__',
      value: JSON.parse(
        '{"version":1,"rules":[{"name":"a","group":"g","__proto__":{"x":1}}],"__proto__":{"x":1}}',
      ),
    },
    { label: 'deep condition', value: withRule({ ...rule, when: nested(100) }) },
  ];
  const generated = fc.sample(
    fc.record({ version: fc.oneof(fc.constant(1), anyJson), rules: fc.array(anyJson, { maxLength: 3 }) }),
    { seed: SEED + 5, numRuns: 60 },
  );
  return [
    ...text,
    ...[...objects, ...generated.map((value, i) => ({ label: `rules generated #${i}`, value }))].map((c) => ({
      label: c.label,
      value: yaml(c.value),
    })),
  ];
}

export const VALID_PLAN = {
  name: 'firmware-2.4',
  document: { operation: 'update' },
  stages: [{ name: 'canary', targets: ['ring-canary'] }],
};

/** Rollout plans (objects or text) that must be refused with InvalidPlanError. */
export function planCases(): Case[] {
  const stage = VALID_PLAN.stages[0] as Record<string, unknown>;
  const withStage = (s: unknown) => ({ ...VALID_PLAN, stages: [s] });
  return [
    { label: 'empty text', value: '' },
    { label: 'not YAML', value: 'name: [' },
    { label: 'over 128 KB', value: `name: x\n#${'x'.repeat(140_000)}` },
    { label: 'nested 30,000 deep JSON text', value: deepJson(30_000) },
    {
      label: 'alias bomb',
      value: `a: &a [1,1,1,1,1,1,1,1]\n${Array.from({ length: 60 }, (_, i) => `b${i}: [*a,*a]`).join('\n')}`,
    },
    ...mutations(VALID_PLAN as Record<string, unknown>, HOSTILE_VALUES),
    ...mutations(stage, HOSTILE_VALUES).map((c) => ({
      label: `stage.${c.label}`,
      value: withStage(c.value),
    })),
    ...INJECTION_NAMES.flatMap((n) => [
      { label: `target ${JSON.stringify(n).slice(0, 24)}`, value: withStage({ ...stage, targets: [n] }) },
      { label: `stage name ${JSON.stringify(n).slice(0, 24)}`, value: withStage({ ...stage, name: n }) },
      {
        label: `documentSource ${JSON.stringify(n).slice(0, 24)}`,
        value: { ...VALID_PLAN, document: undefined, documentSource: `s3://bucket/${n}` },
      },
    ]),
    { label: 'document nested 40 deep', value: { ...VALID_PLAN, document: nested(40) } },
    {
      label: 'document nested 30,000 deep',
      value: { ...VALID_PLAN, document: JSON.parse(deepJson(30_000)) },
    },
    { label: 'document number 1e200', value: { ...VALID_PLAN, document: { x: 1e200 } } },
    { label: 'document integer over 2^53', value: { ...VALID_PLAN, document: { x: 2 ** 60 } } },
    { label: 'document .inf (YAML)', value: 'name: x\ndocument: {x: .inf}\ntargets: [g]' },
    { label: 'document over 32 KB', value: { ...VALID_PLAN, document: { x: 'x'.repeat(33_000) } } },
    { label: 'both document and source', value: { ...VALID_PLAN, documentSource: 's3://bucket/key' } },
    {
      label: 'bucket with ..',
      value: { ...VALID_PLAN, document: undefined, documentSource: 's3://bu..cket/key' },
    },
    {
      label: '10,000 targets',
      value: withStage({ ...stage, targets: Array.from({ length: 10_000 }, (_, i) => `g${i}`) }),
    },
    {
      label: '51 stages',
      value: {
        ...VALID_PLAN,
        stages: Array.from({ length: 51 }, (_, i) => ({ name: `s${i}`, targets: ['g'] })),
      },
    },
    { label: 'duplicate stage names', value: { ...VALID_PLAN, stages: [stage, stage] } },
    { label: 'gate confidence as string', value: withStage({ ...stage, gate: { confidence: '0.95' } }) },
    { label: 'gate threshold NaN', value: withStage({ ...stage, gate: { failureThreshold: Number.NaN } }) },
    {
      label: 'deadline shorter than the in-progress timeout',
      value: withStage({ ...stage, gate: { deadlineMinutes: 20, bakeMinutes: 10 } }),
    },
    { label: 'threshold 5e-324', value: withStage({ ...stage, gate: { failureThreshold: 5e-324 } }) },
    {
      label: 'TIMED_OUT not counted',
      value: withStage({ ...stage, gate: { failureStatuses: ['FAILED', 'REJECTED'] } }),
    },
    {
      label: 'cron injection',
      value: withStage({
        ...stage,
        job: {
          scheduling: {
            maintenanceWindows: [{ startTime: 'cron(0 0 * * ? *)$(id)', durationInMinutes: 60 }],
          },
        },
      }),
    },
    {
      label: 'unknown key __proto__',
      value: JSON.parse('{"name":"x","document":{},"targets":["g"],"__proto__":{"x":1}}'),
    },
    { label: 'name not printable', value: { ...VALID_PLAN, name: 'fw\n2.4' } },
    ...fc
      .sample(
        fc.dictionary(
          fc.constantFrom('name', 'document', 'targets', 'stages', 'defaults', 'documentSource'),
          anyJson,
        ),
        {
          seed: SEED + 6,
          numRuns: 60,
        },
      )
      .map((value, i) => ({ label: `plan generated #${i}`, value })),
  ];
}
