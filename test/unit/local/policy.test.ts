import { describe, expect, it } from 'vitest';
import { type Caller, compilePolicy, PolicyError } from '../../../local/emulators/common/policy';
import { arnMatch, wildcardMatch } from '../../../local/emulators/common/policy-conditions';

// The local resource-policy evaluator, held to the IAM User Guide's rules for the constructs the
// template uses (Condition operators; single-valued and multivalued keys; policy evaluation logic).
const ACCOUNT = '000000000000';
const role = (name: string): Caller => ({
  kind: 'iam',
  type: 'AssumedRole',
  account: ACCOUNT,
  arn: `arn:aws:iam::${ACCOUNT}:role/${name}`,
});
const user = (name: string): Caller => ({
  kind: 'iam',
  type: 'User',
  account: ACCOUNT,
  arn: `arn:aws:iam::${ACCOUNT}:user/${name}`,
});
const events = (sourceArn: string): Caller => ({
  kind: 'service',
  service: 'events.amazonaws.com',
  sourceArn,
  sourceAccount: ACCOUNT,
});
const QUEUE = `arn:aws:sqs:us-east-1:${ACCOUNT}:q`;
const RULE = `arn:aws:events:us-east-1:${ACCOUNT}:rule/r`;

const effect = (policy: unknown, caller: Caller, keys = {}, action = 'sqs:SendMessage', resource = QUEUE) =>
  compilePolicy(policy).evaluate({ caller, action, resources: [resource], keys }).effect;

const statement = (s: Record<string, unknown>) => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Deny', Principal: '*', Action: 'sqs:SendMessage', Resource: QUEUE, ...s }],
});

describe('local policy evaluator: matching', () => {
  it('matches * and ? wildcards, case-sensitively unless asked not to', () => {
    expect(wildcardMatch('fleet-*', 'fleet-autopilot')).toBe(true);
    expect(wildcardMatch('fleet-?', 'fleet-ab')).toBe(false);
    expect(wildcardMatch('a*b*c', 'aXXbYYc')).toBe(true);
    expect(wildcardMatch('a*b*c', 'aXXbYY')).toBe(false);
    expect(wildcardMatch('Fleet', 'fleet')).toBe(false);
    expect(wildcardMatch('sqs:send*', 'sqs:SendMessage', true)).toBe(true);
  });

  it('compares ARNs part by part, so a wildcard cannot cross a colon', () => {
    expect(arnMatch('arn:aws:events:*:000000000000:rule/*', RULE)).toBe(true);
    expect(arnMatch('arn:aws:events:us-east-1:*', RULE)).toBe(false);
    expect(arnMatch('arn:aws:events:us-east-1:000000000000:*', RULE)).toBe(true);
    expect(arnMatch('not-an-arn', RULE)).toBe(false);
  });

  it('matches actions case-insensitively with wildcards, and NotAction / NotResource as complements', () => {
    expect(effect(statement({ Action: 'SQS:send*' }), user('alice'))).toBe('Deny');
    expect(effect(statement({ Action: undefined, NotAction: 'sqs:ReceiveMessage' }), user('alice'))).toBe(
      'Deny',
    );
    expect(effect(statement({ Action: undefined, NotAction: 'sqs:Send*' }), user('alice'))).toBeUndefined();
    expect(effect(statement({ Resource: undefined, NotResource: QUEUE }), user('alice'))).toBeUndefined();
    expect(effect(statement({ Resource: 'arn:aws:sqs:*:*:other' }), user('alice'))).toBeUndefined();
  });

  it('matches principals: *, the account, a role or user ARN, a service', () => {
    const by = (Principal: unknown) => statement({ Principal });
    expect(effect(by({ AWS: ACCOUNT }), user('alice'))).toBe('Deny');
    expect(effect(by({ AWS: `arn:aws:iam::${ACCOUNT}:root` }), role('R'))).toBe('Deny');
    expect(effect(by({ AWS: `arn:aws:iam::${ACCOUNT}:root` }), events(RULE))).toBeUndefined();
    expect(effect(by({ AWS: `arn:aws:iam::111111111111:root` }), user('alice'))).toBeUndefined();
    expect(effect(by({ AWS: [`arn:aws:iam::${ACCOUNT}:role/R`] }), role('R'))).toBe('Deny');
    expect(effect(by({ AWS: `arn:aws:iam::${ACCOUNT}:role/R` }), role('S'))).toBeUndefined();
    expect(effect(by({ Service: 'events.amazonaws.com' }), events(RULE))).toBe('Deny');
    expect(effect(by({ Service: 'iot.amazonaws.com' }), events(RULE))).toBeUndefined();
    expect(effect(by('*'), { kind: 'anonymous' })).toBe('Deny');
  });

  it('lets a Deny win over an Allow, and says nothing when no statement applies', () => {
    const policy = {
      Statement: [
        { Effect: 'Allow', Principal: '*', Action: 'sqs:SendMessage', Resource: QUEUE },
        {
          Sid: 'no',
          Effect: 'Deny',
          Principal: { AWS: `arn:aws:iam::${ACCOUNT}:user/mallory` },
          Action: '*',
        },
      ],
    };
    const compiled = compilePolicy(policy);
    const ask = (caller: Caller) =>
      compiled.evaluate({ caller, action: 'sqs:SendMessage', resources: [QUEUE] });
    expect(ask(user('alice'))).toEqual({ effect: 'Allow', sid: undefined });
    expect(ask(user('mallory'))).toEqual({ effect: 'Deny', sid: 'no' });
    expect(effect(policy, user('alice'), {}, 'sqs:ReceiveMessage')).toBeUndefined();
  });
});

describe('local policy evaluator: conditions', () => {
  const roles = [`arn:aws:iam::${ACCOUNT}:role/A`, `arn:aws:iam::${ACCOUNT}:role/B`];
  const onlyRoles = statement({
    Condition: {
      ArnNotEquals: { 'aws:PrincipalArn': roles },
      Bool: { 'aws:PrincipalIsAWSService': 'false' },
    },
  });

  it('denies principals outside a list (ArnNotEquals), keeps it off services (Bool)', () => {
    expect(effect(onlyRoles, role('A'))).toBeUndefined();
    expect(effect(onlyRoles, role('B'))).toBeUndefined();
    expect(effect(onlyRoles, role('C'))).toBe('Deny');
    expect(effect(onlyRoles, user('A'))).toBe('Deny');
    expect(effect(onlyRoles, events(RULE))).toBeUndefined();
    // Unsigned: no aws:PrincipalArn (a negated operator holds on a missing key) and not a service.
    expect(effect(onlyRoles, { kind: 'anonymous' })).toBe('Deny');
  });

  it('treats a missing key as no match: positive operators fail, negated ones hold, IfExists holds', () => {
    const on = (Condition: unknown) => statement({ Condition });
    expect(effect(on({ StringEquals: { 'events:source': 'x' } }), user('a'))).toBeUndefined();
    expect(effect(on({ StringNotEquals: { 'events:source': 'x' } }), user('a'))).toBe('Deny');
    expect(effect(on({ StringEqualsIfExists: { 'events:source': 'x' } }), user('a'))).toBe('Deny');
    expect(effect(on({ ArnLike: { 'aws:SourceArn': RULE } }), user('a'))).toBeUndefined();
    expect(effect(on({ BoolIfExists: { 'aws:SecureTransport': 'true' } }), user('a'))).toBe('Deny');
    expect(effect(on({ Null: { 'aws:SourceArn': 'true' } }), user('a'))).toBe('Deny');
    expect(effect(on({ Null: { 'aws:SourceArn': 'false' } }), events(RULE))).toBe('Deny');
    expect(effect(on({ Null: { 'aws:SourceArn': 'true' } }), events(RULE))).toBeUndefined();
  });

  it('compares values: any listed value matches; keys are case-insensitive, values are not', () => {
    const on = (Condition: unknown, keys: Record<string, string>) =>
      effect(statement({ Condition }), user('a'), keys);
    expect(on({ StringEquals: { 'EVENTS:Source': ['a', 'b'] } }, { 'events:source': 'b' })).toBe('Deny');
    expect(on({ StringEquals: { 'events:source': 'B' } }, { 'events:source': 'b' })).toBeUndefined();
    expect(on({ StringEqualsIgnoreCase: { 'events:source': 'B' } }, { 'events:source': 'b' })).toBe('Deny');
    expect(
      on({ StringNotEquals: { 'events:source': ['a', 'b'] } }, { 'events:source': 'b' }),
    ).toBeUndefined();
    expect(on({ StringNotEquals: { 'events:source': ['a', 'b'] } }, { 'events:source': 'c' })).toBe('Deny');
    expect(on({ StringLike: { 'events:source': 'fleet-*' } }, { 'events:source': 'fleet-x' })).toBe('Deny');
    expect(
      on({ StringNotLike: { 'events:source': 'fleet-*' } }, { 'events:source': 'fleet-x' }),
    ).toBeUndefined();
  });

  it('requires every operator and every key of a statement to hold', () => {
    const both = statement({
      Condition: {
        StringEquals: { 'events:detail-type': 'JobExecutionTerminal', 'events:source': 'fleet-autopilot' },
        ArnNotEquals: { 'aws:PrincipalArn': roles[0] },
      },
    });
    const keys = { 'events:detail-type': 'JobExecutionTerminal', 'events:source': 'fleet-autopilot' };
    expect(effect(both, user('x'), keys)).toBe('Deny');
    expect(effect(both, role('A'), keys)).toBeUndefined();
    expect(effect(both, user('x'), { ...keys, 'events:source': 'other' })).toBeUndefined();
  });

  it('applies ForAnyValue / ForAllValues to multivalued keys', () => {
    const on = (Condition: unknown, tags: string[] | undefined) =>
      effect(statement({ Condition }), user('a'), { 'aws:TagKeys': tags });
    expect(on({ 'ForAnyValue:StringEquals': { 'aws:TagKeys': 'k' } }, ['a', 'k'])).toBe('Deny');
    expect(on({ 'ForAnyValue:StringEquals': { 'aws:TagKeys': 'k' } }, undefined)).toBeUndefined();
    expect(on({ 'ForAllValues:StringEquals': { 'aws:TagKeys': ['a', 'k'] } }, ['a', 'k'])).toBe('Deny');
    expect(on({ 'ForAllValues:StringEquals': { 'aws:TagKeys': ['a'] } }, ['a', 'k'])).toBeUndefined();
    expect(on({ 'ForAllValues:StringEquals': { 'aws:TagKeys': ['a'] } }, undefined)).toBe('Deny');
  });

  it('sees the caller keys IAM sets: source ARN and account for a service, principal ARN and type for IAM', () => {
    const on = (Condition: unknown, caller: Caller) => effect(statement({ Condition }), caller);
    expect(on({ ArnEquals: { 'aws:SourceArn': RULE } }, events(RULE))).toBe('Deny');
    expect(on({ StringEquals: { 'aws:SourceAccount': ACCOUNT } }, events(RULE))).toBe('Deny');
    expect(on({ StringEquals: { 'aws:PrincipalServiceName': 'events.amazonaws.com' } }, events(RULE))).toBe(
      'Deny',
    );
    expect(on({ StringEquals: { 'aws:PrincipalType': 'AssumedRole' } }, role('A'))).toBe('Deny');
    expect(on({ StringEquals: { 'aws:PrincipalAccount': ACCOUNT } }, user('a'))).toBe('Deny');
  });
});

describe('local policy evaluator: what it refuses to load', () => {
  it.each([
    ['NotPrincipal', { Effect: 'Deny', NotPrincipal: { AWS: '*' }, Action: '*' }],
    ['a Federated principal', { Effect: 'Deny', Principal: { Federated: 'x' }, Action: '*' }],
    [
      'a numeric operator',
      { Effect: 'Deny', Principal: '*', Action: '*', Condition: { NumericLessThan: { k: '1' } } },
    ],
    [
      'a policy variable',
      { Effect: 'Deny', Principal: '*', Action: '*', Resource: `arn:${'$'}{aws:username}` },
    ],
    ['no Principal', { Effect: 'Deny', Action: '*' }],
    ['Action and NotAction', { Effect: 'Deny', Principal: '*', Action: '*', NotAction: 'x' }],
    ['an unknown Effect', { Effect: 'Maybe', Principal: '*', Action: '*' }],
  ])('refuses %s with a PolicyError rather than enforcing less than AWS', (_, s) => {
    expect(() => compilePolicy({ Statement: [s] })).toThrow(PolicyError);
  });

  it('accepts a JSON string and a single statement object', () => {
    const text = JSON.stringify({ Statement: { Effect: 'Deny', Principal: '*', Action: 'sqs:*' } });
    expect(effect(text, user('a'))).toBe('Deny');
  });
});
