import type { IncomingHttpHeaders } from 'node:http';
import { type AuthorizationRequest, type Caller, type CompiledPolicy, compilePolicy } from './policy';
import { accessKeyOf, describeCaller, PrincipalDirectory } from './principals';

/** A refused request: what the emulator answers in its protocol's AccessDenied shape. */
export type Denial = { message: string; sid: string | undefined };

/**
 * The resource policies of the local stack's resources and the rule that applies them, IAM's
 * evaluation logic for a principal of the resource's own account, with one simplification:
 * identity-based policies are not modelled (every IAM principal is treated as if its own policies
 * allowed the call). So:
 * - an explicit Deny in the resource's policy refuses the call, whoever makes it;
 * - an AWS service principal (a rule delivering to a queue) needs an Allow in the resource's
 *   policy, since a service has no identity policy of its own;
 * - otherwise the call goes ahead. A resource without a policy is open, as before.
 */
export class AccessControl {
  readonly #policies = new Map<string, { resources: string[]; policies: CompiledPolicy[] }>();

  constructor(readonly principals: PrincipalDirectory) {}

  static open(account = '000000000000'): AccessControl {
    return new AccessControl(new PrincipalDirectory(account, []));
  }

  /**
   * Attaches a policy document to a resource. `aliases` are other ARNs the resource answers to
   * (a table's indexes, the name the template gave it); statements match any of them.
   */
  attach(resourceArn: string, document: unknown, aliases: readonly string[] = []): void {
    const entry = this.#policies.get(resourceArn) ?? { resources: [resourceArn, ...aliases], policies: [] };
    entry.policies.push(compilePolicy(document));
    this.#policies.set(resourceArn, entry);
  }

  hasPolicy(resourceArn: string): boolean {
    return this.#policies.has(resourceArn);
  }

  callerOf(headers: IncomingHttpHeaders, url?: string): Caller {
    return this.principals.callerFor(accessKeyOf(headers, url));
  }

  /**
   * undefined when the call may go ahead; the denial otherwise. `resource` names the resource whose
   * policy applies; `also` are ARNs the request touches under it (an index of the table).
   */
  authorize(
    request: Omit<AuthorizationRequest, 'resources'> & { resource: string; also?: readonly string[] },
  ): Denial | undefined {
    const entry = this.#policies.get(request.resource);
    const who = describeCaller(request.caller);
    const subject = `User: ${who} is not authorized to perform: ${request.action} on resource: ${request.resource}`;
    if (!entry) {
      return request.caller.kind === 'service'
        ? {
            message: `${subject} because no resource-based policy allows the ${request.action} action`,
            sid: undefined,
          }
        : undefined;
    }
    let allowed = false;
    for (const policy of entry.policies) {
      const result = policy.evaluate({
        ...request,
        resources: [...entry.resources, ...(request.also ?? [])],
      });
      if (result.effect === 'Deny')
        return { message: `${subject} with an explicit deny in a resource-based policy`, sid: result.sid };
      if (result.effect === 'Allow') allowed = true;
    }
    if (request.caller.kind === 'service' && !allowed)
      return {
        message: `${subject} because no resource-based policy allows the ${request.action} action`,
        sid: undefined,
      };
    return undefined;
  }
}
