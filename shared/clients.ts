import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { IoTClient } from '@aws-sdk/client-iot';
import { IoTDataPlaneClient } from '@aws-sdk/client-iot-data-plane';
import { IoTSecureTunnelingClient } from '@aws-sdk/client-iotsecuretunneling';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { tracer } from './observability';

/**
 * SDK clients, created once per container and reused across invocations. Endpoints come from the
 * SDK's standard AWS_ENDPOINT_URL_<SERVICE> variables, which is how the local stack is reached.
 * Retry mode and attempts come from the SDK's standard AWS_RETRY_MODE / AWS_MAX_ATTEMPTS, which
 * serverless.yml sets to adaptive pacing for the functions that hit IoT's low TPS quotas.
 */
let iot: IoTClient | undefined;
let documents: DynamoDBDocumentClient | undefined;

export function iotClient(): IoTClient {
  iot ??= tracer.captureAWSv3Client(new IoTClient({}));
  return iot;
}

let iotData: IoTDataPlaneClient | undefined;

/** The IoT data plane (device shadows); AWS_ENDPOINT_URL_IOT_DATA_PLANE, or the account's data endpoint. */
export function iotDataClient(): IoTDataPlaneClient {
  iotData ??= tracer.captureAWSv3Client(new IoTDataPlaneClient({}));
  return iotData;
}

export function dynamoDbClient(): DynamoDBDocumentClient {
  documents ??= DynamoDBDocumentClient.from(dynamoDbBaseClient(), {
    marshallOptions: { removeUndefinedValues: true },
  });
  return documents;
}

let dynamo: DynamoDBClient | undefined;

/** The plain client under the document client. */
function dynamoDbBaseClient(): DynamoDBClient {
  dynamo ??= tracer.captureAWSv3Client(new DynamoDBClient({ maxAttempts: 6 }));
  return dynamo;
}

let sqs: SQSClient | undefined;

export function sqsClient(): SQSClient {
  sqs ??= tracer.captureAWSv3Client(new SQSClient({ maxAttempts: 3 }));
  return sqs;
}

let events: EventBridgeClient | undefined;

export function eventBridgeClient(): EventBridgeClient {
  events ??= tracer.captureAWSv3Client(new EventBridgeClient({ maxAttempts: 6 }));
  return events;
}

let sns: SNSClient | undefined;

export function snsClient(): SNSClient {
  sns ??= tracer.captureAWSv3Client(new SNSClient({ maxAttempts: 4 }));
  return sns;
}

let cloudWatch: CloudWatchClient | undefined;

export function cloudWatchClient(): CloudWatchClient {
  cloudWatch ??= tracer.captureAWSv3Client(new CloudWatchClient({ maxAttempts: 5 }));
  return cloudWatch;
}

let sfn: SFNClient | undefined;

export function sfnClient(): SFNClient {
  sfn ??= tracer.captureAWSv3Client(new SFNClient({ maxAttempts: 6 }));
  return sfn;
}

let tunneling: IoTSecureTunnelingClient | undefined;

/** OpenTunnel is ~1 TPS per account: adaptive retry paces the client after the first throttle. */
export function tunnelingClient(): IoTSecureTunnelingClient {
  tunneling ??= tracer.captureAWSv3Client(
    new IoTSecureTunnelingClient({ retryMode: 'adaptive', maxAttempts: 8 }),
  );
  return tunneling;
}
