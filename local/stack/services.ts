import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { seededRandom } from '../emulators/common/random';
import type { RecordLog } from '../emulators/common/record-log';
import { createLocalDynamoDb } from '../emulators/dynamodb/server';
import type { IotCall, IotEventSink } from '../emulators/iot';
import { createAwsSdkIntegration } from '../emulators/stepfunctions';
import type { InvokeResult } from '../runtime/function-host';
import { startServices } from '../runtime/services';
import type { StackClients } from './clients';
import { LOCAL_ACCOUNT, type StackOptions } from './options';
import type { Simulation } from './simulation';

/** The emulators call into parts that start after them; those calls go through here. */
export type EmulatorCalls = {
  /** Step Functions' Lambda tasks: the function host. */
  invokeFunction: (name: string, payload: unknown) => Promise<InvokeResult>;
  /** AWS IoT's own events (`$aws/...`): the rules engine, through at-least-once delivery. */
  iotEvents: IotEventSink;
};

type DeviceMessage = { topic: string; payload: object };

/**
 * The AWS emulators and DynamoDB, each on its own port and on the virtual network, with their
 * endpoints recorded in `clients`. Step Functions' task integrations call the functions and the
 * other emulators through the stack's own SDK clients.
 */
export async function startEmulators(
  sim: Simulation,
  clients: StackClients,
  iotCalls: RecordLog<IotCall>,
  options: StackOptions,
  calls: EmulatorCalls,
) {
  const { clock, network, seed } = sim;
  const { endpoints, clientConfig } = clients;
  const region = options.region ?? 'us-east-1';
  /** What AWS IoT sends devices (tunnel notifications), for the simulated fleet to read. */
  const deviceMessages: DeviceMessage[] = [];
  const dynamo = await createLocalDynamoDb({ clock, ...(options.dataDir ? { path: options.dataDir } : {}) });
  network.serve(dynamo.url, dynamo.handler);
  endpoints.dynamodb = dynamo.url;
  const chaos = flakyLambdaTasks(seed, options.chaos?.sfnLambdaFailureRate ?? 0, calls.invokeFunction);
  // Created on first use: IoT's endpoint is known only once the services listen.
  let awsSdk: ReturnType<typeof createAwsSdkIntegration> | undefined;
  const services = await startServices({
    clock,
    seed,
    region,
    accountId: LOCAL_ACCOUNT,
    enforceQuotas: options.enforceQuotas ?? true,
    faults: options.faults ?? {},
    network,
    iotCalls: iotCalls.asArray(),
    iotEvents: calls.iotEvents,
    deviceNotify: (topic, payload) => deviceMessages.push({ topic, payload }),
    sfnIntegrations: {
      invokeLambda: chaos.invokeLambda,
      awsSdk: (service, action, params) => {
        awsSdk ??= createAwsSdkIntegration(clientConfig('iot'));
        return awsSdk(service, action, params);
      },
      dynamoDb: new DynamoDBClient(clientConfig('dynamodb')),
      putEvents: (params) =>
        new EventBridgeClient(clientConfig('eventBridge')).send(new PutEventsCommand(params as never)),
      snsPublish: (params) => new SNSClient(clientConfig('sns')).send(new PublishCommand(params as never)),
    },
  });
  Object.assign(endpoints, services.endpoints);
  return { dynamo, services, deviceMessages, chaosStats: chaos.stats };
}

/**
 * Step Functions → Lambda: the function's result, or its error as the task sees it; chaos runs
 * answer a seeded share of calls with Lambda.ServiceException instead.
 */
function flakyLambdaTasks(
  seed: number,
  failureRate: number,
  invoke: (name: string, payload: unknown) => Promise<InvokeResult>,
) {
  const random = seededRandom(seed ^ 0xc4a05);
  const stats = { sfnLambdaCalls: 0, sfnLambdaFailures: 0 };
  const invokeLambda = async (name: string, payload: unknown) => {
    stats.sfnLambdaCalls += 1;
    if (random() < failureRate) {
      stats.sfnLambdaFailures += 1;
      throw Object.assign(new Error('Service unavailable (chaos)'), {
        name: 'ServiceException',
        $fault: 'server',
      });
    }
    const outcome = await invoke(name, payload);
    if (outcome.ok) return outcome.result;
    throw Object.assign(new Error(outcome.error.errorMessage), { name: outcome.error.errorType });
  };
  return { invokeLambda, stats };
}

export type Emulators = Awaited<ReturnType<typeof startEmulators>>;
