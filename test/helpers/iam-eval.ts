import type { CfnTemplate } from '../../local/template';

/** A policy statement as the packaged template holds it (Resource may be an `Fn::Sub`). */
export type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Condition?: unknown };

export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';
const PSEUDO: Record<string, string> = { Partition: 'aws', Region: REGION, AccountId: ACCOUNT };

/** A statement's resources as strings, `Fn::Sub` resolved with the pseudo parameters above. */
export function resolve(value: unknown): string[] {
  return [value].flat().map((v) => {
    if (typeof v === 'string') return v;
    const sub = (v as Record<string, unknown>)['Fn::Sub'];
    if (typeof sub !== 'string') return JSON.stringify(v);
    return sub.replace(/\$\{AWS::(Partition|Region|AccountId)\}/g, (_, p: string) => PSEUDO[p] ?? '');
  });
}

/** IAM's wildcard match: `*` any run of characters (a `/` included), `?` one. */
export const matches = (pattern: string, value: string) =>
  new RegExp(
    `^${pattern
      .split('')
      .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
      .join('')}$`,
  ).test(value);

/** The inline policy statements of a role in the template. */
export const roleStatements = (template: CfnTemplate, role: string): Statement[] =>
  (
    (template.Resources[role]?.Properties?.Policies ?? []) as { PolicyDocument: { Statement: Statement[] } }[]
  ).flatMap((p) => p.PolicyDocument.Statement);
