import path from 'node:path';
import type { CfnTemplate } from '../template';
import type { FunctionSpec } from './function-host';

/** A resolver turns template values (with intrinsics) into local values. */
export type Resolve = (value: unknown) => unknown;

type Props = Record<string, unknown>;
const asProps = (v: unknown): Props => (v && typeof v === 'object' ? (v as Props) : {});
const of = (t: CfnTemplate, type: string) => Object.entries(t.Resources).filter(([, r]) => r.Type === type);

export function functionSpecs(t: CfnTemplate, resolve: Resolve, packageDir: string): FunctionSpec[] {
  return of(t, 'AWS::Lambda::Function').map(([logicalId, r]) => {
    const p = asProps(r.Properties);
    const code = asProps(p.Code);
    const key = String(code.S3Key ?? `${logicalId}.zip`);
    const env = asProps(asProps(resolve(p.Environment)).Variables);
    return {
      logicalId,
      name: String(resolve(p.FunctionName) ?? logicalId),
      handler: String(p.Handler),
      zip: path.join(packageDir, path.basename(key)),
      timeoutSeconds: Number(p.Timeout ?? 6),
      reservedConcurrency:
        p.ReservedConcurrentExecutions === undefined ? undefined : Number(p.ReservedConcurrentExecutions),
      environment: Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v)])),
    };
  });
}

export type RuleAction = { sqs?: { queueUrl: string; roleArn?: string }; lambda?: { functionArn: string } };
export type TopicRuleSpec = {
  id: string;
  sql: string;
  actions: RuleAction[];
  errorAction: RuleAction | undefined;
  enabled: boolean;
};

const ruleAction = (a: Props): RuleAction => {
  const sqs = asProps(a.Sqs);
  const lambda = asProps(a.Lambda);
  if (sqs.QueueUrl)
    return {
      sqs: { queueUrl: String(sqs.QueueUrl), ...(sqs.RoleArn ? { roleArn: String(sqs.RoleArn) } : {}) },
    };
  if (lambda.FunctionArn) return { lambda: { functionArn: String(lambda.FunctionArn) } };
  throw new Error(`IoT rule action not supported locally: ${Object.keys(a).join(', ')}`);
};

export function topicRules(t: CfnTemplate, resolve: Resolve): TopicRuleSpec[] {
  return of(t, 'AWS::IoT::TopicRule').map(([id, r]) => {
    const payload = asProps(resolve(asProps(r.Properties).TopicRulePayload));
    return {
      id,
      sql: String(payload.Sql),
      actions: ((payload.Actions as Props[] | undefined) ?? []).map(ruleAction),
      errorAction: payload.ErrorAction ? ruleAction(asProps(payload.ErrorAction)) : undefined,
      enabled: payload.RuleDisabled !== true,
    };
  });
}

export type MappingSpec = {
  id: string;
  queueArn: string;
  functionArn: string;
  batchSize: number;
  batchingWindowSeconds: number;
  maxConcurrency: number | undefined;
  reportBatchItemFailures: boolean;
};

export function eventSourceMappings(t: CfnTemplate, resolve: Resolve): MappingSpec[] {
  return of(t, 'AWS::Lambda::EventSourceMapping').map(([id, r]) => {
    const p = asProps(resolve(r.Properties));
    return {
      id,
      queueArn: String(p.EventSourceArn),
      functionArn: String(p.FunctionName),
      batchSize: Number(p.BatchSize ?? 10),
      batchingWindowSeconds: Number(p.MaximumBatchingWindowInSeconds ?? 0),
      maxConcurrency:
        asProps(p.ScalingConfig).MaximumConcurrency === undefined
          ? undefined
          : Number(asProps(p.ScalingConfig).MaximumConcurrency),
      reportBatchItemFailures: ((p.FunctionResponseTypes as string[] | undefined) ?? []).includes(
        'ReportBatchItemFailures',
      ),
    };
  });
}

type EventTarget = {
  arn: string;
  id: string;
  maxRetries: number;
  deadLetterArn: string | undefined;
  input: unknown;
};
export type EventRuleSpec = {
  id: string;
  /** What the rule's deliveries carry as aws:SourceArn. */
  arn: string;
  busName: string;
  pattern: unknown;
  targets: EventTarget[];
  enabled: boolean;
};

export function eventRules(t: CfnTemplate, resolve: Resolve): EventRuleSpec[] {
  return of(t, 'AWS::Events::Rule').map(([id, r]) => {
    const p = asProps(resolve(r.Properties));
    const bus = String(p.EventBusName ?? 'default');
    return {
      id,
      arn: String(resolve({ 'Fn::GetAtt': [id, 'Arn'] })),
      busName: bus.startsWith('arn:') ? (bus.split('/').pop() ?? bus) : bus,
      pattern: typeof p.EventPattern === 'string' ? JSON.parse(p.EventPattern) : p.EventPattern,
      targets: ((p.Targets as Props[] | undefined) ?? []).map((target) => ({
        arn: String(target.Arn),
        id: String(target.Id),
        maxRetries: Number(asProps(target.RetryPolicy).MaximumRetryAttempts ?? 185),
        deadLetterArn:
          asProps(target.DeadLetterConfig).Arn === undefined
            ? undefined
            : String(asProps(target.DeadLetterConfig).Arn),
        input: target.Input === undefined ? undefined : JSON.parse(String(target.Input)),
      })),
      enabled: p.State !== 'DISABLED',
    };
  });
}

export type StateMachineSpec = { id: string; name: string; definition: object };

export function stateMachines(t: CfnTemplate, resolve: Resolve): StateMachineSpec[] {
  return of(t, 'AWS::StepFunctions::StateMachine').map(([id, r]) => {
    const p = asProps(r.Properties);
    const text = resolve(p.DefinitionString ?? JSON.stringify(p.Definition));
    return {
      id,
      name: String(resolve(p.StateMachineName) ?? id),
      definition: JSON.parse(String(text)) as object,
    };
  });
}

export type HttpRouteSpec = { method: string; path: string; functionArn: string; auth: string };

/** API Gateway HTTP API routes with Lambda proxy integrations. */
export function httpRoutes(t: CfnTemplate, resolve: Resolve): HttpRouteSpec[] {
  const integrations = new Map(
    of(t, 'AWS::ApiGatewayV2::Integration').map(([id, r]) => [id, asProps(resolve(r.Properties))]),
  );
  return of(t, 'AWS::ApiGatewayV2::Route').flatMap(([, r]) => {
    const raw = asProps(r.Properties);
    const target = JSON.stringify(raw.Target ?? '');
    const integrationId = [...integrations.keys()].find((id) => target.includes(`"${id}"`));
    const integration = integrationId ? integrations.get(integrationId) : undefined;
    const [method = 'ANY', routePath = '/'] = String(raw.RouteKey).split(' ');
    if (!integration) return [];
    return [
      {
        method,
        path: routePath,
        functionArn: String(integration.IntegrationUri),
        auth: String(raw.AuthorizationType ?? 'NONE'),
      },
    ];
  });
}
