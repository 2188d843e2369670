import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

const PACKAGED_TEMPLATE = '.serverless/cloudformation-template-update-stack.json';

export type CfnResource = { Type: string; Properties?: Record<string, unknown>; DependsOn?: unknown };
export type CfnTemplate = { Resources: Record<string, CfnResource>; Outputs?: Record<string, unknown> };

/** The template `sls package` wrote: the single source of truth for local wiring and template tests. */
export function loadPackagedTemplate(root = process.cwd()): CfnTemplate {
  const file = path.join(root, PACKAGED_TEMPLATE);
  if (!existsSync(file)) throw new Error(`${PACKAGED_TEMPLATE} is missing: run \`npm run package\` first`);
  return JSON.parse(readFileSync(file, 'utf8')) as CfnTemplate;
}

export function resourcesOfType(template: CfnTemplate, type: string): [string, CfnResource][] {
  return Object.entries(template.Resources).filter(([, r]) => r.Type === type);
}

/**
 * CreateTable inputs for the template's DynamoDB tables, named by logical id. CloudFormation-only
 * properties (PITR, SSE, TTL, deletion protection) are dropped: the local engine has no use for them.
 */
export function tableDefinitions(template: CfnTemplate): Map<string, CreateTableCommandInput> {
  const tables = new Map<string, CreateTableCommandInput>();
  for (const [logicalId, resource] of resourcesOfType(template, 'AWS::DynamoDB::Table')) {
    const p = resource.Properties ?? {};
    tables.set(logicalId, {
      TableName: logicalId,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: p.AttributeDefinitions as CreateTableCommandInput['AttributeDefinitions'],
      KeySchema: p.KeySchema as CreateTableCommandInput['KeySchema'],
      GlobalSecondaryIndexes: p.GlobalSecondaryIndexes as CreateTableCommandInput['GlobalSecondaryIndexes'],
    });
  }
  return tables;
}

/** A resource policy the template declares, with intrinsics resolved to local values. */
export type ResourcePolicySpec =
  | { kind: 'event-bus'; id: string; busName: string; document: unknown }
  | { kind: 'queue'; id: string; queue: string; document: unknown }
  | { kind: 'table'; id: string; table: string; declaredName: string | undefined; document: unknown };

type Resolver = (value: unknown) => unknown;
const record = (v: unknown): Record<string, unknown> =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

/**
 * Every resource-based policy of the template that the local stack enforces: event bus policies
 * (AWS::Events::EventBusPolicy, its `Statement` or its older Action/Principal/Condition form),
 * queue policies (AWS::SQS::QueuePolicy, one entry per queue) and table policies (the
 * `ResourcePolicy` of any AWS::DynamoDB::Table).
 */
export function resourcePolicies(template: CfnTemplate, resolve: Resolver): ResourcePolicySpec[] {
  const out: ResourcePolicySpec[] = [];
  for (const [id, r] of Object.entries(template.Resources)) {
    if (r.Type === 'AWS::Events::EventBusPolicy') {
      const p = record(resolve(r.Properties));
      const bus = String(p.EventBusName ?? 'default');
      const busName = bus.startsWith('arn:') ? (bus.split('/').pop() ?? bus) : bus;
      const statement = p.Statement ?? {
        Sid: p.StatementId,
        Effect: 'Allow',
        Principal: p.Principal === '*' ? '*' : { AWS: p.Principal },
        Action: p.Action,
        ...(p.Condition
          ? { Condition: { StringEquals: { [String(record(p.Condition).Key)]: record(p.Condition).Value } } }
          : {}),
      };
      out.push({ kind: 'event-bus', id, busName, document: { Statement: [statement] } });
    } else if (r.Type === 'AWS::SQS::QueuePolicy') {
      const p = record(resolve(r.Properties));
      const queues = Array.isArray(p.Queues) ? p.Queues : [];
      for (const queue of queues)
        out.push({ kind: 'queue', id, queue: String(queue), document: p.PolicyDocument });
    } else if (r.Type === 'AWS::DynamoDB::Table' && r.Properties?.ResourcePolicy !== undefined) {
      const p = record(resolve(r.Properties));
      const declaredName = typeof p.TableName === 'string' ? p.TableName : undefined;
      out.push({
        kind: 'table',
        id,
        table: id,
        declaredName,
        document: record(p.ResourcePolicy).PolicyDocument,
      });
    }
  }
  return out;
}

/** The logical ids of the template's IAM roles: locally, role/<logical id> is each role's ARN. */
export function roleLogicalIds(template: CfnTemplate): string[] {
  return resourcesOfType(template, 'AWS::IAM::Role').map(([id]) => id);
}
