import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateEventBusCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { installAccessControl } from '../access-control';
import { localAttributes, resolveIntrinsics } from '../runtime/resolve';
import type { Services } from '../runtime/services';
import { type CfnTemplate, resourcesOfType, tableDefinitions } from '../template';
import type { ClientConfig } from './clients';
import { LOCAL_ACCOUNT } from './options';
import type { Emulators } from './services';

/** The packaged template with what its `Ref`s and `Fn::GetAtt`s mean here (local names, ARNs, queue URLs). */
export function localDeployment(template: CfnTemplate, region: string, sqsUrl: string) {
  const names = { region, accountId: LOCAL_ACCOUNT, stackName: 'fleet-autopilot-local', sqsUrl };
  const attributes = localAttributes(template, names);
  const resolve = (value: unknown) => resolveIntrinsics(value, attributes, names);
  return { template, resolve, region };
}

export type Deployment = ReturnType<typeof localDeployment>;

/**
 * CloudFormation's part before the functions: the template's tables, queues (with their redrive
 * policies), buckets, topics and event buses, then the resource policies the emulators enforce
 * (local/access-control.ts).
 */
export async function createResources(
  { template, resolve, region }: Deployment,
  { dynamo, services }: Emulators,
  clientConfig: ClientConfig,
) {
  const ddb = new DynamoDBClient(clientConfig('dynamodb'));
  for (const table of tableDefinitions(template).values())
    await ddb.send(new CreateTableCommand(table)).catch(ignoreExists);
  createQueues(template, resolve, services);
  for (const [id] of resourcesOfType(template, 'AWS::S3::Bucket'))
    services.s3.store.ensureBucket(String(resolve({ Ref: id })));
  for (const [id] of resourcesOfType(template, 'AWS::SNS::Topic'))
    services.sns.createTopic(String(resolve({ Ref: id })));
  const bridge = new EventBridgeClient(clientConfig('eventBridge'));
  for (const [, r] of resourcesOfType(template, 'AWS::Events::EventBus')) {
    await bridge
      .send(new CreateEventBusCommand({ Name: String(resolve(r.Properties?.Name)) }))
      .catch(ignoreExists);
  }
  return installAccessControl(template, resolve, {
    region,
    account: LOCAL_ACCOUNT,
    dynamo,
    ...services,
  });
}

function createQueues(template: CfnTemplate, resolve: (v: unknown) => unknown, services: Services) {
  const queues = resourcesOfType(template, 'AWS::SQS::Queue');
  for (const [id, r] of queues) services.sqs.createQueue(id, Number(r.Properties?.VisibilityTimeout ?? 30));
  for (const [id, r] of queues) {
    const redrive = resolve(r.Properties?.RedrivePolicy) as
      | { deadLetterTargetArn?: string; maxReceiveCount?: number }
      | undefined;
    const queue = services.sqs.queue(id);
    const dlq = redrive?.deadLetterTargetArn ? services.sqs.queue(redrive.deadLetterTargetArn) : undefined;
    if (queue && dlq)
      queue.redrive = { deadLetter: dlq, maxReceiveCount: Number(redrive?.maxReceiveCount ?? 5) };
  }
}

function ignoreExists(error: Error): void {
  if (!/Exists|InUse/.test(error.name)) throw error;
}
