import { expect } from 'vitest';
import type { CfnTemplate } from '../../local/template';

/**
 * Just enough of IAM's policy evaluation to read the template's DynamoDB resource policies: explicit
 * Deny statements with `Principal: "*"`, Action/NotAction with `*` wildcards, and the condition
 * operators they use. An operator that is not implemented throws, so a new policy cannot pass
 * unexamined.
 */
export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';

export type Request = { principalArn: string; action: string; calledVia?: string[] };
type Statement = {
  Effect: string;
  Principal: unknown;
  Action?: string | string[];
  NotAction?: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
};

const PSEUDO: Record<string, string> = {
  'AWS::Partition': 'aws',
  'AWS::AccountId': ACCOUNT,
  'AWS::Region': REGION,
};

/**
 * Resolves the pseudo parameters, Fn::Sub, Fn::Join and role `Fn::GetAtt [<role>, Arn]` (to the
 * role's deployed ARN, from its RoleName) that the policies and role names use.
 */
export function resolve(value: unknown, template?: CfnTemplate): unknown {
  if (Array.isArray(value)) return value.map((v) => resolve(v, template));
  if (!value || typeof value !== 'object') return value;
  const v = value as Record<string, unknown>;
  if ('Fn::Sub' in v)
    return String(v['Fn::Sub']).replace(/\$\{([^}]+)\}/g, (_, name: string) => {
      const pseudo = PSEUDO[name];
      if (pseudo === undefined) throw new Error(`unresolved \${${name}}`);
      return pseudo;
    });
  if ('Ref' in v) {
    const pseudo = PSEUDO[String(v.Ref)];
    if (pseudo === undefined) throw new Error(`unresolved Ref ${String(v.Ref)}`);
    return pseudo;
  }
  if ('Fn::Join' in v) {
    const [sep, parts] = v['Fn::Join'] as [string, unknown[]];
    return parts.map((p) => String(resolve(p, template))).join(sep);
  }
  if ('Fn::GetAtt' in v && template) {
    const [id, attr] = v['Fn::GetAtt'] as [string, string];
    if (attr === 'Arn' && template.Resources[id]?.Type === 'AWS::IAM::Role') return roleArn(template, id);
    throw new Error(`unresolved Fn::GetAtt ${id}.${attr}`);
  }
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, resolve(x, template)]));
}

const list = (v: unknown): string[] => (v === undefined ? [] : [v].flat().map(String));
const glob = (pattern: string, value: string) =>
  new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`, 'i').test(value);

function conditionHolds(op: string, key: string, values: string[], request: Request): boolean {
  const context: Record<string, string[] | undefined> = {
    'aws:PrincipalArn': [request.principalArn],
    'aws:CalledVia': request.calledVia,
  };
  const present = context[key];
  switch (op) {
    case 'ArnNotEquals':
      return present?.every((p) => !values.includes(p)) ?? false;
    case 'ArnEquals':
      return present?.some((p) => values.includes(p)) ?? false;
    case 'ForAllValues:StringNotEquals':
      // ForAllValues holds for a key that is absent (or empty): there is no value to fail it.
      return (present ?? []).every((p) => !values.includes(p));
    default:
      throw new Error(`condition operator ${op} is not evaluated by this test`);
  }
}

function applies(statement: Statement, request: Request): boolean {
  if (statement.Principal !== '*') throw new Error('only Principal "*" statements are evaluated');
  const actionMatches = statement.Action
    ? list(statement.Action).some((a) => glob(a, request.action))
    : !list(statement.NotAction).some((a) => glob(a, request.action));
  if (!actionMatches) return false;
  return Object.entries(statement.Condition ?? {}).every(([op, keys]) =>
    Object.entries(keys).every(([key, values]) => conditionHolds(op, key, list(values), request)),
  );
}

/** Does the table's resource policy explicitly deny this request? */
export function deniedBy(template: CfnTemplate, tableId: string, request: Request): boolean {
  const policy = resolve(
    (template.Resources[tableId]?.Properties?.ResourcePolicy as { PolicyDocument?: unknown } | undefined)
      ?.PolicyDocument,
    template,
  ) as { Statement: Statement[] } | undefined;
  if (!policy) throw new Error(`${tableId} has no resource policy`);
  for (const s of policy.Statement) expect(s.Effect, `${tableId} allows nothing by policy`).toBe('Deny');
  return policy.Statement.some((s) => applies(s, request));
}

/** The ARN a function's role gets when deployed (its RoleName, as the template builds it). */
export function roleArn(template: CfnTemplate, roleId: string): string {
  const name = resolve(template.Resources[roleId]?.Properties?.RoleName);
  if (typeof name !== 'string') throw new Error(`${roleId} has no RoleName`);
  return `arn:aws:iam::${ACCOUNT}:role/${name}`;
}

/** The principal ARNs a table's policy exempts (its ArnNotEquals aws:PrincipalArn list). */
export function exemptPrincipals(template: CfnTemplate, tableId: string): string[] {
  const document = template.Resources[tableId]?.Properties?.ResourcePolicy as
    | { PolicyDocument?: unknown }
    | undefined;
  const policy = resolve(document?.PolicyDocument, template) as { Statement: Statement[] };
  return policy.Statement.flatMap((s) => list(s.Condition?.ArnNotEquals?.['aws:PrincipalArn']));
}
