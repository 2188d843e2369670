import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

export const PACKAGED_TEMPLATE = '.serverless/cloudformation-template-update-stack.json';

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
