import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateEventBusCommand, EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { installAccessControl, withLocalPrincipal } from './access-control';
import { listen } from './emulators/common/http';
import { seedIds } from './emulators/common/ids';
import type { FaultSettings } from './emulators/common/limits';
import { seededRandom } from './emulators/common/random';
import { RecordLog } from './emulators/common/record-log';
import { createLocalDynamoDb } from './emulators/dynamodb/server';
import type { IotCall } from './emulators/iot';
import { createIotDataHandler } from './emulators/iot/data-plane';
import { createAwsSdkIntegration } from './emulators/stepfunctions';
import { deployCustomResources } from './runtime/custom-resources';
import { type DeliverySettings, EventDelivery } from './runtime/delivery';
import { Driver } from './runtime/driver';
import { type ContainerCrash, FunctionHost } from './runtime/function-host';
import { httpApiHandler } from './runtime/http-api';
import { LocalClock } from './runtime/local-clock';
import { LogFiles } from './runtime/logs';
import { VirtualNetwork } from './runtime/net/network';
import { VirtualRequestHandler, virtualRetryStrategy } from './runtime/net/sdk-client';
import { localAttributes, resolveIntrinsics } from './runtime/resolve';
import { Router } from './runtime/router';
import { ENDPOINT_VARIABLES, type ServiceName, startServices } from './runtime/services';
import { SqsPoller } from './runtime/sqs-poller';
import { containerWorkerFile } from './runtime/threads/build';
import { ContainerThreads } from './runtime/threads/pool';
import { Timeline } from './runtime/timeline';
import {
  eventRules,
  eventSourceMappings,
  functionSpecs,
  httpRoutes,
  stateMachines,
  topicRules,
} from './runtime/wiring';
import { loadPackagedTemplate, tableDefinitions } from './template';

export type StackOptions = {
  seed?: number;
  /** Virtual seconds per real second where the stack serves outside clients (`--serve`). */
  speed?: number;
  startTime?: number;
  /** Keep DynamoDB on disk here instead of in memory. */
  dataDir?: string;
  enforceQuotas?: boolean;
  faults?: FaultSettings;
  delivery?: Partial<DeliverySettings>;
  /** Where function logs go (one file per function, JSON lines); default: a temporary directory. */
  logDir?: string;
  packageDir?: string;
  region?: string;
  /** Variables set over every function's deployed environment. */
  functionEnv?: Record<string, string>;
  /** Chaos runs (local/chaos): containers that exit mid-invocation, a flaky Step Functions → Lambda call. */
  chaos?: ChaosOptions;
  /**
   * Worker threads for the function containers (0: all in the stack's thread). A fixed number, not
   * the machine's core count: the order effects land in depends on it, and a run must replay the
   * same on any machine.
   */
  threads?: number;
};

/** Two container threads: with the stack's own, enough to keep a 2-core machine busy. */
export const DEFAULT_THREADS = 2;

export type ChaosOptions = {
  crashes?: ContainerCrash[];
  /** Share of the state machine's Lambda task calls answered with Lambda.ServiceException (seeded). */
  sfnLambdaFailureRate?: number;
};

export const LOCAL_ACCOUNT = '000000000000';
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

/**
 * The whole backend in one process: AWS emulators, DynamoDB, the deployed function bundles and the
 * routing that the packaged CloudFormation template declares, on one discrete-event clock.
 */
export async function startLocalStack(options: StackOptions = {}) {
  const seed = options.seed ?? 1;
  const region = options.region ?? 'us-east-1';
  seedIds(seed);
  const clock = new LocalClock(options.startTime ?? Date.UTC(2026, 0, 5, 8), options.speed ?? 20);
  const timeline = new Timeline(seed);
  const network = new VirtualNetwork();
  const random = seededRandom(seed ^ 0x5eed);
  const clientRandom = seededRandom(seed ^ 0xc11e);
  const pending = new Set<Promise<unknown>>();
  const track = (work: Promise<unknown>) => {
    pending.add(work);
    void work.finally(() => pending.delete(work));
  };
  const template = loadPackagedTemplate();
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'fleet-local-'));
  const logs = new LogFiles(options.logDir ?? path.join(scratch, 'logs'));
  const iotCalls = new RecordLog<IotCall>(path.join(scratch, 'iot-calls.jsonl'));

  // Hooks reach the services, functions and pollers defined below; the driver only calls them later.
  const driver: Driver = new Driver(clock, timeline, {
    step: () => step(),
    dueNow: () => dueNow(),
    nextDeadline: () => nextDeadline(),
    busy: () => dynamo.inFlight > 0,
    threadsPending: () => threads?.pending ?? false,
    settleThreads: () => threads?.settle() ?? Promise.resolve(0),
  });
  /**
   * SDK client settings for the stack's own clients: the virtual network, and back-offs on virtual
   * time (a client waiting outside a run drives the stack until its back-off is over).
   */
  const sleep = (ms: number) =>
    driver.drive(
      new Promise<void>((resolve) =>
        timeline.at(clock.now() + ms, 'client back-off', resolve, { source: 'clients' }),
      ),
    );
  const endpoints: Record<string, string> = {};
  const clientConfig = (service: ServiceName | 'dynamodb', o: { maxAttempts?: number } = {}) => ({
    ...(endpoints[service] ? { endpoint: endpoints[service] } : {}),
    region,
    credentials: LOCAL_CREDENTIALS,
    requestHandler: new VirtualRequestHandler(network),
    retryStrategy: virtualRetryStrategy(o.maxAttempts ?? 3, sleep, clientRandom),
  });

  const deviceMessages: { topic: string; payload: object }[] = [];
  const dynamo = await createLocalDynamoDb({ clock, ...(options.dataDir ? { path: options.dataDir } : {}) });
  network.serve(dynamo.url, dynamo.handler);
  endpoints.dynamodb = dynamo.url;
  let delivery: EventDelivery | undefined;
  const chaosRandom = seededRandom(seed ^ 0xc4a05);
  const chaosStats = { sfnLambdaCalls: 0, sfnLambdaFailures: 0 };
  const services = await startServices({
    clock,
    seed,
    region,
    accountId: LOCAL_ACCOUNT,
    enforceQuotas: options.enforceQuotas ?? true,
    faults: options.faults ?? {},
    network,
    iotCalls: iotCalls.asArray(),
    iotEvents: (topic, payload) => delivery?.publish(topic, payload),
    deviceNotify: (topic, payload) => deviceMessages.push({ topic, payload }),
    sfnIntegrations: {
      invokeLambda: async (name, payload) => {
        chaosStats.sfnLambdaCalls += 1;
        if (chaosRandom() < (options.chaos?.sfnLambdaFailureRate ?? 0)) {
          chaosStats.sfnLambdaFailures += 1;
          throw Object.assign(new Error('Service unavailable (chaos)'), {
            name: 'ServiceException',
            $fault: 'server',
          });
        }
        const outcome = await host.invoke(name, payload);
        if (outcome.ok) return outcome.result;
        throw Object.assign(new Error(outcome.error.errorMessage), { name: outcome.error.errorType });
      },
      awsSdk: createAwsSdkIntegration(clientConfig('iot')),
      dynamoDb: new DynamoDBClient(clientConfig('dynamodb')),
      putEvents: (params) =>
        new EventBridgeClient(clientConfig('eventBridge')).send(new PutEventsCommand(params as never)),
      snsPublish: (params) => new SNSClient(clientConfig('sns')).send(new PublishCommand(params as never)),
    },
  });
  Object.assign(endpoints, services.endpoints);
  const env: Record<string, string> = {
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.url,
    POWERTOOLS_TRACE_ENABLED: 'false',
    POWERTOOLS_METRICS_DISABLED: 'true',
    NODE_NO_WARNINGS: '1',
    ...Object.fromEntries(
      Object.entries(ENDPOINT_VARIABLES).map(([k, v]) => [v, endpoints[k as ServiceName] ?? '']),
    ),
  };
  // The stack's own SDK calls (sfn integrations) resolve endpoints from the same variables.
  Object.assign(process.env, env);

  const names = {
    region,
    accountId: LOCAL_ACCOUNT,
    stackName: 'fleet-autopilot-local',
    sqsUrl: endpoints.sqs ?? '',
  };
  const attributes = localAttributes(template, names);
  const resolve = (value: unknown) => resolveIntrinsics(value, attributes, names);

  const ddb = new DynamoDBClient(clientConfig('dynamodb'));
  for (const table of tableDefinitions(template).values())
    await ddb.send(new CreateTableCommand(table)).catch(ignoreExists);
  await createQueues(template, resolve, services);
  for (const [id] of Object.entries(template.Resources).filter(([, r]) => r.Type === 'AWS::S3::Bucket'))
    services.s3.store.ensureBucket(String(resolve({ Ref: id })));
  for (const [id] of Object.entries(template.Resources).filter(([, r]) => r.Type === 'AWS::SNS::Topic'))
    services.sns.createTopic(String(resolve({ Ref: id })));
  const bridge = new EventBridgeClient(clientConfig('eventBridge'));
  for (const [, r] of Object.entries(template.Resources).filter(
    ([, r]) => r.Type === 'AWS::Events::EventBus',
  )) {
    await bridge
      .send(new CreateEventBusCommand({ Name: String(resolve(r.Properties?.Name)) }))
      .catch(ignoreExists);
  }
  // Resource policies (bus, queues, tables) and per-function principals: local/access-control.ts.
  const access = installAccessControl(template, resolve, {
    region,
    account: LOCAL_ACCOUNT,
    dynamo,
    ...services,
  });

  const threadCount = options.threads ?? DEFAULT_THREADS;
  const threads =
    threadCount > 0
      ? new ContainerThreads(threadCount, await containerWorkerFile(), {
          clock,
          timeline,
          network,
          events: {
            log: (container, line) => host.threadEvents.log(container, line),
            result: (inv, outcome) => host.threadEvents.result(inv, outcome),
            crash: (container, reason) => host.threadEvents.crash(container, reason),
          },
        })
      : undefined;
  const host: FunctionHost = new FunctionHost(
    path.resolve('.local/functions'),
    env,
    (fn, line) => logs.write(fn, line),
    { clock, timeline, network, seed, ...(threads ? { threads } : {}) },
    options.functionEnv,
    options.chaos?.crashes,
  );
  for (const spec of functionSpecs(template, resolve, path.resolve(options.packageDir ?? '.serverless')))
    await host.register(withLocalPrincipal(spec, template, resolve));
  for (const machine of stateMachines(template, resolve))
    services.sfn.registerStateMachine(machine.name, machine.definition);

  const router = new Router(
    topicRules(template, resolve),
    eventRules(template, resolve),
    services,
    host,
    timeline,
    () => clock.now(),
    track,
  );
  delivery = new EventDelivery(
    {
      duplicateRate: options.delivery?.duplicateRate ?? 0,
      reorderWindowMs: options.delivery?.reorderWindowMs ?? 0,
    },
    random,
    timeline,
    () => clock.now(),
    (topic, payload) => router.publishMqtt(topic, payload),
  );
  const pollers = eventSourceMappings(template, resolve).flatMap((m) => {
    const queue = services.sqs.queue(m.queueArn);
    const fn = host.resolve(m.functionArn);
    if (!queue || !fn) return [];
    const maxConcurrency = Math.min(m.maxConcurrency ?? 1000, fn.reservedConcurrency ?? 4);
    const settings = {
      batchSize: m.batchSize,
      maxConcurrency,
      reportBatchItemFailures: m.reportBatchItemFailures,
      region,
    };
    return [new SqsPoller(queue, fn.name, host, settings, track)];
  });

  // An API call from outside a run (the CLI) drives the stack until its function has answered.
  const apiFunctions = { invoke: (ref: string, event: unknown) => driver.drive(host.invoke(ref, event)) };
  const apiHandler = httpApiHandler(httpRoutes(template, resolve), apiFunctions, LOCAL_ACCOUNT, () =>
    clock.now(),
  );
  const api = await listen(apiHandler);
  network.serve(api.url, apiHandler);
  // The IoT data plane's Publish: a client injects an MQTT message into the rules engine (never onto
  // the reserved $aws/ topics, which AWS IoT's own events reach through `delivery` instead).
  const iotDataHandler = createIotDataHandler(
    (topic, payload) => router.publishMqtt(topic, payload),
    services.iot.shadows,
  );
  const iotData = await listen(iotDataHandler);
  network.serve(iotData.url, iotDataHandler);
  Object.assign(endpoints, { api: api.url, iotData: iotData.url });
  env.AWS_ENDPOINT_URL_IOT_DATA_PLANE = iotData.url;
  process.env.AWS_ENDPOINT_URL_IOT_DATA_PLANE = iotData.url;

  function step(): void {
    services.iot.sweep();
    services.tunnels.sweep();
    services.cloudWatch.sweep();
    services.sfn.sweep();
    timeline.runDue(clock.now(), (result) => {
      if (result instanceof Promise) track(result);
    });
    for (const p of pollers) p.poll();
  }
  function dueNow(): boolean {
    const now = clock.now();
    return (
      timeline.hasDue(now) ||
      (services.sfn.nextDue() ?? Number.POSITIVE_INFINITY) <= now ||
      pollers.some((p) => p.canStart())
    );
  }
  /** The next time something changes by itself; what is already due waits for a free slot instead. */
  function nextDeadline(): number | undefined {
    const now = clock.now();
    let next = Number.POSITIVE_INFINITY;
    const consider = (t: number | undefined) => {
      if (t !== undefined && t > now && t < next) next = t;
    };
    consider(timeline.nextDue());
    consider(services.sfn.nextDue());
    consider(services.iot.nextDue());
    consider(services.cloudWatch.nextDue());
    for (const q of services.sqs.queues()) consider(q.nextVisibleAt());
    return Number.isFinite(next) ? next : undefined;
  }

  return {
    clock,
    timeline,
    network,
    driver,
    threads,
    env,
    /** The template's Outputs, resolved to their local values (bucket names, role ARNs, ...). */
    outputs: resolve(template.Outputs ?? {}) as Record<string, { Value?: unknown }>,
    endpoints,
    services,
    host,
    router,
    delivery,
    pollers,
    deviceMessages,
    logs,
    /** Every accepted IoT call, in a file: stream it with `forEach` (services.iot.calls reads it all). */
    iotCalls,
    /** Every function log line so far, read back from the log files. */
    get logLines(): { fn: string; line: string }[] {
      return [...logs.entries()];
    },
    chaosStats,
    access,
    clientConfig,
    /** WHATWG fetch on the virtual network (the operator API client). */
    fetch: network.fetch,
    runUntilIdle: (o: { until?: number } = {}) => driver.runUntilIdle(o),
    /** Answers `work` once done, running the stack meanwhile if nothing else is driving it. */
    drive: <T>(work: Promise<T>) => driver.drive(work),
    deployCustomResources: () =>
      driver.drive(
        deployCustomResources({ template, resolve, host, network, region, account: LOCAL_ACCOUNT }),
      ),
    track,
    async close() {
      await host.close();
      await threads?.close();
      await api.close();
      await iotData.close();
      await services.close();
      await dynamo.close();
      logs.close();
      iotCalls.close();
      rmSync(scratch, { recursive: true, force: true });
    },
  };
}

export type LocalStack = Awaited<ReturnType<typeof startLocalStack>>;

function createQueues(
  template: ReturnType<typeof loadPackagedTemplate>,
  resolve: (v: unknown) => unknown,
  services: Awaited<ReturnType<typeof startServices>>,
) {
  const queues = Object.entries(template.Resources).filter(([, r]) => r.Type === 'AWS::SQS::Queue');
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
