import {
  type CompiledCondition,
  type ConditionContext,
  compileCondition,
  PolicyError,
  wildcardMatch,
} from './policy-conditions';

/**
 * A resource-based policy evaluator for the local stack: Effect Allow/Deny, Principal (`*`, AWS
 * ARNs or account ids, Service), Action/NotAction and Resource/NotResource with wildcards, and the
 * conditions of ./policy-conditions. A construct it does not know (NotPrincipal, Federated, numeric
 * or date operators, policy variables) is refused when the policy is loaded, never ignored, so a
 * policy the local stack cannot honour fails loudly instead of enforcing less than AWS would.
 */

export { PolicyError } from './policy-conditions';

/** Who is calling: an IAM principal (a user, or a role's session) or an AWS service principal. */
export type Caller =
  | { kind: 'iam'; arn: string; account: string; type: 'User' | 'AssumedRole' }
  | { kind: 'service'; service: string; sourceArn?: string; sourceAccount?: string }
  | { kind: 'anonymous' };

export type AuthorizationRequest = {
  caller: Caller;
  /** `service:Operation`, as IAM names it. */
  action: string;
  /** The resource's ARN (with its aliases: an index also answers for its table, say). */
  resources: readonly string[];
  /** Service-specific condition keys (events:source, ...), by their policy names. */
  keys?: Readonly<Record<string, string | readonly string[] | undefined>>;
};

type Effect = 'Allow' | 'Deny';
type Evaluation = { effect: Effect | undefined; sid: string | undefined };

type Principal = (caller: Caller) => boolean;
type CompiledStatement = {
  sid: string | undefined;
  effect: Effect;
  principal: Principal;
  action: (action: string) => boolean;
  resource: (arns: readonly string[]) => boolean;
  conditions: CompiledCondition[];
};

export type CompiledPolicy = { evaluate(request: AuthorizationRequest): Evaluation };

const KNOWN = new Set([
  'Sid',
  'Effect',
  'Principal',
  'Action',
  'NotAction',
  'Resource',
  'NotResource',
  'Condition',
]);

const list = (value: unknown, what: string): string[] => {
  const items = Array.isArray(value) ? value : [value];
  for (const item of items) if (typeof item !== 'string') throw new PolicyError(`${what} must be strings`);
  return items as string[];
};

export function compilePolicy(document: unknown): CompiledPolicy {
  const doc = typeof document === 'string' ? (JSON.parse(document) as unknown) : document;
  if (!doc || typeof doc !== 'object') throw new PolicyError('a policy must be a JSON object');
  const raw = (doc as { Statement?: unknown }).Statement;
  if (raw === undefined) throw new PolicyError('a policy needs a Statement');
  const statements = (Array.isArray(raw) ? raw : [raw]).map(compileStatement);
  return {
    evaluate(request) {
      const context = contextOf(request);
      let allow: string | undefined | null = null;
      for (const s of statements) {
        if (!s.action(request.action) || !s.resource(request.resources) || !s.principal(request.caller))
          continue;
        if (!s.conditions.every((c) => c(context))) continue;
        if (s.effect === 'Deny') return { effect: 'Deny', sid: s.sid };
        allow ??= s.sid;
      }
      return allow === null ? { effect: undefined, sid: undefined } : { effect: 'Allow', sid: allow };
    },
  };
}

function compileStatement(raw: unknown): CompiledStatement {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw))
    throw new PolicyError('a statement must be an object');
  const s = raw as Record<string, unknown>;
  for (const key of Object.keys(s))
    if (!KNOWN.has(key))
      throw new PolicyError(`statement element ${key} is not supported by the local evaluator`);
  if (s.Effect !== 'Allow' && s.Effect !== 'Deny') throw new PolicyError('Effect must be Allow or Deny');
  if ((s.Action === undefined) === (s.NotAction === undefined))
    throw new PolicyError('a statement needs exactly one of Action and NotAction');
  if (s.Resource !== undefined && s.NotResource !== undefined)
    throw new PolicyError('a statement has at most one of Resource and NotResource');
  if (s.Principal === undefined) throw new PolicyError('a resource-based policy statement needs a Principal');
  const actions = list(s.Action ?? s.NotAction, 'Action');
  const actionMatch = (action: string) => actions.some((a) => wildcardMatch(a, action, true));
  const resources = s.Resource ?? s.NotResource;
  const patterns = resources === undefined ? ['*'] : list(resources, 'Resource');
  const resourceMatch = (arns: readonly string[]) =>
    arns.some((arn) => patterns.some((p) => wildcardMatch(p, arn)));
  const condition = s.Condition ?? {};
  if (typeof condition !== 'object' || Array.isArray(condition))
    throw new PolicyError('Condition must be an object');
  for (const value of [...actions, ...patterns])
    if (value.includes('${')) throw new PolicyError(`policy variables are not supported locally: ${value}`);
  return {
    sid: typeof s.Sid === 'string' ? s.Sid : undefined,
    effect: s.Effect,
    principal: compilePrincipal(s.Principal),
    action: s.Action !== undefined ? actionMatch : (a) => !actionMatch(a),
    resource: s.NotResource !== undefined ? (arns) => !resourceMatch(arns) : resourceMatch,
    conditions: Object.entries(condition).map(([op, block]) => compileCondition(op, block)),
  };
}

function compilePrincipal(raw: unknown): Principal {
  if (raw === '*') return () => true;
  if (!raw || typeof raw !== 'object' || Array.isArray(raw))
    throw new PolicyError('Principal must be "*" or an object');
  const tests: Principal[] = [];
  for (const [kind, value] of Object.entries(raw)) {
    const values = list(value, `Principal ${kind}`);
    if (kind === 'AWS') tests.push(...values.map(awsPrincipal));
    else if (kind === 'Service') tests.push((c) => c.kind === 'service' && values.includes(c.service));
    else throw new PolicyError(`Principal ${kind} is not supported by the local evaluator`);
  }
  return (caller) => tests.some((t) => t(caller));
}

/** `*`, an account id or its root ARN (any principal of the account), or a user or role ARN. */
function awsPrincipal(value: string): Principal {
  if (value === '*') return () => true;
  const account = /^\d{12}$/.test(value) ? value : /^arn:aws[\w-]*:iam::(\d{12}):root$/.exec(value)?.[1];
  if (account) return (c) => c.kind === 'iam' && c.account === account;
  if (!/^arn:aws[\w-]*:iam::\d{12}:(user|role)\/.+/.test(value))
    throw new PolicyError(`Principal AWS ${value} is not supported by the local evaluator`);
  return (c) => c.kind === 'iam' && c.arn === value;
}

/** The request context keys IAM sets for the caller, plus the request's own keys. */
function contextOf(request: AuthorizationRequest): ConditionContext {
  const context = new Map<string, string[]>();
  const set = (key: string, value: string | readonly string[] | undefined) => {
    if (value === undefined) return;
    context.set(key.toLowerCase(), typeof value === 'string' ? [value] : [...value]);
  };
  const { caller } = request;
  set('aws:PrincipalIsAWSService', caller.kind === 'service' ? 'true' : 'false');
  if (caller.kind === 'iam') {
    set('aws:PrincipalArn', caller.arn);
    set('aws:PrincipalAccount', caller.account);
    set('aws:PrincipalType', caller.type);
  }
  if (caller.kind === 'service') {
    set('aws:PrincipalServiceName', caller.service);
    set('aws:SourceArn', caller.sourceArn);
    set('aws:SourceAccount', caller.sourceAccount);
  }
  for (const [key, value] of Object.entries(request.keys ?? {})) set(key, value);
  return context;
}
