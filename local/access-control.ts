import { AccessControl } from './emulators/common/access-control';
import { localAccessKeyFor, PrincipalDirectory } from './emulators/common/principals';
import type { LocalDynamoDb } from './emulators/dynamodb/server';
import type { EventBridgeEmulator } from './emulators/eventbridge/emulator';
import type { SqsEmulator } from './emulators/sqs/emulator';
import type { FunctionSpec } from './runtime/function-host';
import { type CfnTemplate, resourcePolicies, roleLogicalIds } from './template';

/**
 * Who is who in the local stack, and the resource policies the emulators hold callers to.
 *
 * Each function's container signs its AWS calls with its own role: the access key is the role's
 * name (locally the role's logical id, e.g. `RolloutApiIamRoleLambdaExecution`), which the
 * emulators read from the SigV4 Authorization header and map to
 * `arn:aws:iam::000000000000:role/<name>`, the aws:PrincipalArn IAM gives the role's sessions.
 * Any other access key is an operator, the IAM user of that name. See docs/local-iam.md.
 */

type Resolve = (value: unknown) => unknown;

/** The function's deployed environment plus the credentials of its role, as Lambda sets them. */
export function withLocalPrincipal(
  spec: FunctionSpec,
  template: CfnTemplate,
  resolve: Resolve,
): FunctionSpec {
  const role = resolve(template.Resources[spec.logicalId]?.Properties?.Role);
  if (typeof role !== 'string') return spec;
  return {
    ...spec,
    environment: {
      ...spec.environment,
      AWS_ACCESS_KEY_ID: localAccessKeyFor(role),
      AWS_SECRET_ACCESS_KEY: 'local',
    },
  };
}

export type AccessTargets = {
  region: string;
  account: string;
  eventBridge: Pick<EventBridgeEmulator, 'useAccessControl'>;
  sqs: Pick<SqsEmulator, 'useAccessControl' | 'queue'>;
  dynamo: Pick<LocalDynamoDb, 'useAccessControl'>;
};

/** Reads the template's resource policies and makes the emulators enforce them. */
export function installAccessControl(
  template: CfnTemplate,
  resolve: Resolve,
  targets: AccessTargets,
): AccessControl {
  const { region, account } = targets;
  const access = new AccessControl(new PrincipalDirectory(account, roleLogicalIds(template)));
  const tables = new Map<string, string>();
  for (const policy of resourcePolicies(template, resolve)) {
    if (policy.kind === 'event-bus') {
      access.attach(`arn:aws:events:${region}:${account}:event-bus/${policy.busName}`, policy.document);
    } else if (policy.kind === 'queue') {
      const queue = targets.sqs.queue(policy.queue);
      if (!queue) throw new Error(`${policy.id}: queue ${policy.queue} is not in the local stack`);
      access.attach(queue.arn, policy.document);
    } else {
      const arn = `arn:aws:dynamodb:${region}:${account}:table/${policy.table}`;
      // A policy may name the table by the name the template gives it, not the local one.
      const aliases = policy.declaredName
        ? [`arn:aws:dynamodb:${region}:${account}:table/${policy.declaredName}`]
        : [];
      access.attach(arn, policy.document, aliases);
      tables.set(policy.table, arn);
    }
  }
  targets.eventBridge.useAccessControl(access);
  targets.sqs.useAccessControl(access);
  targets.dynamo.useAccessControl(access, tables);
  return access;
}
