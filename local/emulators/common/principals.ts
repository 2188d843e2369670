import type { IncomingHttpHeaders } from 'node:http';
import type { Caller } from './policy';

/**
 * Who signed a request. SigV4 names the access key in the credential scope of the Authorization
 * header (`AWS4-HMAC-SHA256 Credential=<key>/<date>/<region>/<service>/aws4_request, ...`) or, for
 * a presigned URL, in `X-Amz-Credential`. The local stack has no secrets, so it reads the key and
 * does not verify the signature: the key names the principal.
 */
const AUTHORIZATION = /^AWS4-HMAC-SHA256\s+Credential=([^/\s,]+)\//;

export function accessKeyOf(headers: IncomingHttpHeaders, url?: string): string | undefined {
  const header = AUTHORIZATION.exec(String(headers.authorization ?? ''))?.[1];
  if (header) return header;
  if (!url?.includes('X-Amz-Credential')) return undefined;
  const credential = new URL(url, 'http://local').searchParams.get('X-Amz-Credential');
  return credential?.split('/')[0] || undefined;
}

/**
 * Local principals. A function's container signs with its role's name as the access key (see
 * localAccessKeyFor); a key that names a role of the template is that role's session
 * (`aws:PrincipalArn` = `arn:aws:iam::<account>:role/<key>`, as IAM sets it for an assumed role).
 * Any other key is an IAM user of that name, `arn:aws:iam::<account>:user/<key>`: an operator,
 * whose identity-based permissions are not modelled (as if it held PowerUserAccess), so only
 * resource policies and their explicit denies bind it. An unsigned request is anonymous.
 */
export class PrincipalDirectory {
  readonly #roles: ReadonlySet<string>;

  constructor(
    readonly account: string,
    roleNames: Iterable<string>,
  ) {
    this.#roles = new Set(roleNames);
  }

  callerFor(accessKeyId: string | undefined): Caller {
    if (!accessKeyId) return { kind: 'anonymous' };
    if (this.#roles.has(accessKeyId))
      return { kind: 'iam', type: 'AssumedRole', account: this.account, arn: this.roleArn(accessKeyId) };
    return {
      kind: 'iam',
      type: 'User',
      account: this.account,
      arn: `arn:aws:iam::${this.account}:user/${accessKeyId}`,
    };
  }

  roleArn(roleName: string): string {
    return `arn:aws:iam::${this.account}:role/${roleName}`;
  }
}

/** The access key a function's container signs with: the name in its role's ARN. */
export function localAccessKeyFor(roleArn: string): string {
  const name = roleArn.split('/').pop() ?? '';
  if (!/^[\w+=,.@-]{1,64}$/.test(name)) throw new Error(`not a role ARN: ${roleArn}`);
  return name;
}

/** How an error message names a caller, as IAM's "User: ... is not authorized" does. */
export function describeCaller(caller: Caller): string {
  if (caller.kind === 'iam') return caller.arn;
  if (caller.kind === 'service') return caller.service;
  return 'anonymous';
}

/** A session of the role (what an IoT rule action or a Lambda destination sends as). */
export function roleSession(roleArn: string): Caller {
  const account = /^arn:aws[\w-]*:iam::(\d{12}):role\//.exec(roleArn)?.[1];
  if (!account) throw new Error(`not a role ARN: ${roleArn}`);
  return { kind: 'iam', type: 'AssumedRole', account, arn: roleArn };
}

/** An AWS service acting for a resource of an account (an EventBridge rule delivering, say). */
export function servicePrincipal(service: string, sourceArn: string): Caller {
  return { kind: 'service', service, sourceArn, sourceAccount: sourceArn.split(':')[4] };
}
