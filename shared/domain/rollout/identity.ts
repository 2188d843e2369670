/**
 * Four-eyes on stable identities. The HTTP API (payload 2.0, IAM auth) tells a function only the
 * caller's `userArn`, `userId`, `accountId`, `accessKey`, `callerId` and `principalOrgId`: no
 * SourceIdentity, no principal tags. So a person is recognised from the ARN alone:
 *
 * - an IAM user (`arn:aws:iam::<account>:user/<path>/<name>`) is the person `<name>`;
 * - a session of a role the account lists in config/rollout-policy.yml `approvers.sessionNameRoles`
 *   (`arn:aws:sts::<account>:assumed-role/<role>/<session>`) is the person `<session>`: the account
 *   promises that role's trust policy ties the session name to the person (`sts:RoleSessionName` =
 *   `${aws:username}`), or that AWS or the IdP sets it (IAM Identity Center, SAML);
 * - any other principal (a session of another role, a federated user, another account) is not a
 *   person: every session of one role is the same shared identity, whatever its session name.
 *
 * Names compare case-insensitively (IAM user names are unique that way), and an IAM user `alice` and a
 * session `alice` are the same person: a wrong "same" only refuses an approval, a wrong "different"
 * would let one person approve their own rollout.
 */

export type IdentityPolicy = {
  /** Role names (or `*` patterns, e.g. `AWSReservedSSO_FleetApprover_*`) whose session name is a person. */
  sessionNameRoles: readonly string[];
};

export type CallerIdentity = {
  /** Compared between creator and approver: `person:<name>`, or `role:<name>` / `principal:<arn>`. */
  key: string;
  /** True when `key` names one person the account vouches for. */
  person: boolean;
  /** Why, for messages: "IAM user alice", "session alice of role FleetOperator (not tied to a person)". */
  describe: string;
};

const NAME = '[\\w+=,.@-]{1,64}';
const USER = new RegExp(`^arn:aws[\\w-]*:iam::(\\d{12}):user/(?:[\\x21-\\x7e]*/)?(${NAME})$`);
const ROOT = /^arn:aws[\w-]*:iam::(\d{12}):root$/;
const SESSION = new RegExp(`^arn:aws[\\w-]*:sts::(\\d{12}):assumed-role/(${NAME})/(${NAME})$`);

export const PERSON_HELP = `approvals need a person: call as an IAM user, or through a role listed in config/rollout-policy.yml approvers.sessionNameRoles whose trust policy makes the session name the person (sts:RoleSessionName = \${aws:username}; see docs/rollouts.md "Who counts as a person")`;

function matches(pattern: string, role: string): boolean {
  const source = pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${source}$`).test(role);
}

/**
 * The identity behind a SigV4 principal ARN, for a request to the API of `account`.
 * @param arn `requestContext.authorizer.iam.userArn`
 * @param account the API's own account (`requestContext.accountId`): principals of other accounts are no person here
 */
export function callerIdentity(arn: string, policy: IdentityPolicy, account?: string): CallerIdentity {
  const other = (why: string): CallerIdentity => ({ key: `principal:${arn}`, person: false, describe: why });
  const user = USER.exec(arn);
  const session = SESSION.exec(arn);
  const root = ROOT.exec(arn);
  const inAccount = (a: string | undefined) => account === undefined || a === account;
  if (user && inAccount(user[1])) {
    const name = String(user[2]);
    return { key: `person:${name.toLowerCase()}`, person: true, describe: `IAM user ${name}` };
  }
  if (root && inAccount(root[1])) {
    return { key: `person:account-root:${root[1]}`, person: true, describe: `the root user of ${root[1]}` };
  }
  if (session && inAccount(session[1])) {
    const [, , role = '', name = ''] = session;
    if (policy.sessionNameRoles.some((p) => matches(p, role))) {
      return {
        key: `person:${name.toLowerCase()}`,
        person: true,
        describe: `${name} (session of role ${role}, whose session name is the person)`,
      };
    }
    return {
      key: `role:${role}`,
      person: false,
      describe: `session ${name} of role ${role}, whose session name is not tied to a person (every session of it is one identity)`,
    };
  }
  return other(`${arn} (not an IAM user or a session of a role of this account)`);
}

/** Why this approver may not decide the creator's rollout, or undefined when four-eyes holds. */
export function fourEyesProblem(creatorKey: string, approver: CallerIdentity): string | undefined {
  if (!approver.person) return `${approver.describe} cannot decide approvals: ${PERSON_HELP}`;
  if (!creatorKey.startsWith('person:'))
    return `the rollout was started by a shared identity (${creatorKey}), so no approver can be shown to be another person`;
  if (creatorKey === approver.key)
    return `the person who started a rollout cannot decide its approvals (${approver.describe} is its creator)`;
  return undefined;
}
