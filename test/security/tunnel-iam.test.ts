import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { type CfnTemplate, loadPackagedTemplate, resourcesOfType } from '../../local/template';

// The IAM backing of the tunnel policy, on the packaged template (`npm run package` first): the
// alarm function may open a tunnel only for the policy's services, never to a thing in a denied
// group, only to an allowed group when the policy has an allow list, and only with the managedBy
// tag. The condition keys are the ones AWS documents for iot:OpenTunnel ("Controlling access to
// tunnels"); they are evaluated here with IAM's documented semantics for the operators in use.
let template: CfnTemplate;
beforeAll(() => {
  template = loadPackagedTemplate();
});

type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Condition?: Condition };
type Condition = Record<string, Record<string, unknown>>;
const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const PSEUDO: Record<string, string> = { Partition: 'aws', Region: REGION, AccountId: ACCOUNT };
const policy = parse(readFileSync('config/tunnel-policy.yml', 'utf8')) as {
  services: string[];
  thingGroups: { deny?: string[]; allow?: string[] };
};
const groupArn = (name: string) => `arn:aws:iot:${REGION}:${ACCOUNT}:thinggroup/${name}`;
const { buildOpenTunnelCondition } = createRequire(import.meta.url)('../../serverless/tunnel-iam.cjs') as {
  buildOpenTunnelCondition: (file: string) => Condition;
};

/** Fn::Sub of the pseudo parameters, as CloudFormation resolves them at deploy time. */
function resolve(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(resolve);
  if (value && typeof value === 'object') {
    const sub = (value as Record<string, unknown>)['Fn::Sub'];
    if (typeof sub === 'string')
      return sub.replace(/\$\{AWS::(Partition|Region|AccountId)\}/g, (_, p: string) => PSEUDO[p] ?? '');
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v)]));
  }
  return value;
}

/**
 * IAM condition evaluation for the operators the statement uses (IAM User Guide, "Condition
 * operators" and "Set operators for multivalued context keys"): a single-valued operator on a
 * missing key is false; ForAllValues is true for a missing or empty key; ForAnyValue is false for
 * one; Null "false" requires the key to be present. Operators and keys are ANDed.
 */
function conditionHolds(
  condition: Condition,
  context: Record<string, string[] | string | undefined>,
): boolean {
  return Object.entries(condition).every(([operator, keys]) =>
    Object.entries(keys).every(([key, expected]) => {
      const wanted = [expected].flat().map(String);
      const raw = context[key];
      const values = raw === undefined ? [] : [raw].flat();
      switch (operator) {
        case 'StringEquals':
          return values.length === 1 && wanted.includes(values[0] as string);
        case 'Null':
          return wanted[0] === 'true' ? values.length === 0 : values.length > 0;
        case 'ForAllValues:StringEquals':
          return values.every((v) => wanted.includes(v));
        case 'ForAllValues:StringNotEquals':
          return values.every((v) => !wanted.includes(v));
        case 'ForAnyValue:StringEquals':
          return values.some((v) => wanted.includes(v));
        default:
          throw new Error(`operator ${operator} is not evaluated by this test`);
      }
    }),
  );
}

const statementsOf = (roleId: string): Statement[] =>
  (
    (template.Resources[roleId]?.Properties?.Policies ?? []) as {
      PolicyDocument: { Statement: Statement[] };
    }[]
  ).flatMap((p) => p.PolicyDocument.Statement);

const openTunnelStatements = () =>
  resourcesOfType(template, 'AWS::IAM::Role').flatMap(([id]) =>
    statementsOf(id)
      .filter((s) => [s.Action].flat().includes('iot:OpenTunnel'))
      .map((s) => ({ role: id, statement: s })),
  );

/** An OpenTunnel request as IAM sees it. */
const request = (o: { services?: string[]; groups?: string[]; managedBy?: string | null } = {}) => ({
  'iot:TunnelDestinationService': o.services ?? ['SSH'],
  'iot:ThingGroupArn': (o.groups ?? ['site-eu-west-1-plant-7']).map(groupArn),
  'aws:RequestTag/managedBy': o.managedBy === null ? undefined : (o.managedBy ?? 'fleet-autopilot'),
});

describe('IAM: iot:OpenTunnel carries the tunnel policy', () => {
  it('is granted to the alarm function alone, in one statement, always with its conditions', () => {
    const grants = openTunnelStatements();
    expect(grants.map((g) => g.role)).toEqual(['AlarmTunnelIamRoleLambdaExecution']);
    const [only] = grants;
    expect(only?.statement.Effect).toBe('Allow');
    expect([only?.statement.Action].flat()).toEqual(['iot:OpenTunnel']);
    expect(only?.statement.Condition).toBeDefined();
  });

  it("is conditioned on config/tunnel-policy.yml's services and groups and the managedBy tag", () => {
    const condition = resolve(openTunnelStatements()[0]?.statement.Condition) as Condition;
    expect(condition['ForAllValues:StringEquals']).toEqual({
      'iot:TunnelDestinationService': policy.services,
    });
    expect(condition.Null).toEqual({ 'iot:TunnelDestinationService': 'false' });
    expect(condition.StringEquals).toEqual({ 'aws:RequestTag/managedBy': 'fleet-autopilot' });
    expect(condition['ForAllValues:StringNotEquals']).toEqual({
      'iot:ThingGroupArn': (policy.thingGroups.deny ?? []).map(groupArn),
    });
    expect(condition['ForAnyValue:StringEquals']).toBeUndefined(); // the shipped policy has no allow list
  });

  it('allows what the policy allows and denies the rest, as IAM evaluates the conditions', () => {
    const condition = resolve(openTunnelStatements()[0]?.statement.Condition) as Condition;
    const allowed = (o: Parameters<typeof request>[0]) => conditionHolds(condition, request(o));
    expect(allowed({})).toBe(true);
    expect(allowed({ groups: [] })).toBe(true); // a thing in no group is not in a denied one
    expect(allowed({ services: ['SSH', 'RDP'] })).toBe(false);
    expect(allowed({ services: ['VNC'] })).toBe(false);
    expect(allowed({ services: [] })).toBe(false); // no destination: the Null check
    expect(allowed({ groups: ['site-eu-west-1-plant-7', 'no-remote-access'] })).toBe(false);
    expect(allowed({ managedBy: null })).toBe(false);
    expect(allowed({ managedBy: 'someone' })).toBe(false);
  });

  it('adds the allow list when the policy has one: a thing in none of its groups is denied', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tunnel-policy-'));
    const file = path.join(dir, 'tunnel-policy.yml');
    const text = readFileSync('config/tunnel-policy.yml', 'utf8').replace(
      '  # allow: [site-eu-west-1-plant-7]',
      '  allow: [site-eu-west-1-plant-7]',
    );
    expect(text).toContain('\n  allow: [site-eu-west-1-plant-7]');
    writeFileSync(file, text);
    const condition = resolve(buildOpenTunnelCondition(file)) as Condition;
    expect(condition['ForAnyValue:StringEquals']).toEqual({
      'iot:ThingGroupArn': [groupArn('site-eu-west-1-plant-7')],
    });
    expect(conditionHolds(condition, request({}))).toBe(true);
    expect(conditionHolds(condition, request({ groups: ['site-us-east-1-plant-2'] }))).toBe(false);
    expect(conditionHolds(condition, request({ groups: [] }))).toBe(false);
  });
});
