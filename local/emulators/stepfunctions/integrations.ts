import {
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { randomUUID } from '../common/ids';
import { errorMessage, errorName, StatesError } from './errors';
import type { ResourceSpec } from './resources';
import type { Params, StepFunctionsIntegrations } from './types';

export type IntegrationCall = (spec: ResourceSpec, params: unknown) => Promise<unknown>;

/** Error-name prefixes Step Functions gives service errors of the SDK integrations. */
const SERVICE_PREFIX: Record<string, string> = {
  iot: 'Iot',
  iotsecuretunneling: 'IoTSecureTunneling',
  iotjobsdataplane: 'IoTJobsDataPlane',
  dynamodb: 'DynamoDb',
  sfn: 'Sfn',
};

export function sdkServicePrefix(service: string): string {
  return SERVICE_PREFIX[service] ?? service.charAt(0).toUpperCase() + service.slice(1);
}

/** `Prefix.Name`, unless the error already carries a qualified name. */
function qualified(prefix: string, e: unknown): StatesError {
  const name = errorName(e);
  return new StatesError(name.includes('.') ? name : `${prefix}.${name}`, errorMessage(e));
}

function isServiceException(e: unknown): boolean {
  return typeof e === 'object' && e !== null && ('$fault' in e || '$metadata' in e);
}

/** Lambda function errors surface with their errorType; the cause is the payload AWS shows. */
function lambdaError(e: unknown): StatesError {
  if (isServiceException(e)) return qualified('Lambda', e);
  const errorType = errorName(e);
  return new StatesError(errorType, JSON.stringify({ errorMessage: errorMessage(e), errorType, trace: [] }));
}

function params(value: unknown): Params {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Params) : {};
}

function missing(what: string): never {
  throw new StatesError('States.Runtime', `The local stack has no ${what} integration configured`);
}

const DYNAMODB_COMMANDS = {
  getItem: GetItemCommand,
  putItem: PutItemCommand,
  updateItem: UpdateItemCommand,
  deleteItem: DeleteItemCommand,
} as const;

/** Dispatches a Task to the effect behind its resource, shaping results and errors like AWS. */
export function createIntegrationCall(integrations: StepFunctionsIntegrations): IntegrationCall {
  let dynamoDb = integrations.dynamoDb;
  return async (spec, input) => {
    switch (spec.kind) {
      case 'lambda-arn': {
        const invoke = integrations.invokeLambda ?? missing('Lambda');
        return invoke(spec.resource, input).catch((e: unknown) => Promise.reject(lambdaError(e)));
      }
      case 'lambda-invoke': {
        const invoke = integrations.invokeLambda ?? missing('Lambda');
        const { FunctionName, Payload } = params(input);
        const payload = await invoke(String(FunctionName), Payload ?? {}).catch((e: unknown) =>
          Promise.reject(lambdaError(e)),
        );
        const requestId = randomUUID();
        return {
          ExecutedVersion: '$LATEST',
          Payload: payload ?? null,
          SdkHttpMetadata: { HttpHeaders: { 'x-amzn-RequestId': requestId }, HttpStatusCode: 200 },
          SdkResponseMetadata: { RequestId: requestId },
          StatusCode: 200,
        };
      }
      case 'aws-sdk': {
        const call = integrations.awsSdk ?? missing('AWS SDK');
        const service = spec.service ?? '';
        return call(service, spec.action ?? '', params(input)).catch((e: unknown) =>
          Promise.reject(qualified(sdkServicePrefix(service), e)),
        );
      }
      case 'dynamodb': {
        dynamoDb ??= new DynamoDBClient({});
        const Command = DYNAMODB_COMMANDS[spec.action as keyof typeof DYNAMODB_COMMANDS] as unknown as new (
          input: Params,
        ) => Parameters<DynamoDBClient['send']>[0];
        try {
          const { $metadata: _, ...output } = (await dynamoDb.send(
            new Command(params(input)),
          )) as unknown as Params;
          return output;
        } catch (e) {
          throw qualified('DynamoDB', e);
        }
      }
      case 'events': {
        const put = integrations.putEvents ?? missing('EventBridge');
        return put(params(input)).catch((e: unknown) => Promise.reject(qualified('EventBridge', e)));
      }
      case 'sns': {
        const publish = integrations.snsPublish ?? missing('SNS');
        return publish(params(input)).catch((e: unknown) => Promise.reject(qualified('SNS', e)));
      }
    }
  };
}
