import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateEventBusCommand, EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { installAccessControl, withLocalPrincipal } from './access-control';
import { listen, readJsonObject } from './emulators/common/http';
import type { FaultSettings } from './emulators/common/limits';
import { seededRandom } from './emulators/common/random';
import { createLocalDynamoDb } from './emulators/dynamodb/server';
import { createIotDataHandler } from './emulators/iot/data-plane';
import { createAwsSdkIntegration } from './emulators/stepfunctions';
import { type DeliverySettings, EventDelivery } from './runtime/delivery';
import { type ContainerCrash, FunctionHost } from './runtime/function-host';
import { httpApiHandler } from './runtime/http-api';
import { LocalClock } from './runtime/local-clock';
import { localAttributes, resolveIntrinsics } from './runtime/resolve';
import { Router } from './runtime/router';
import { ENDPOINT_VARIABLES, type ServiceName, startServices } from './runtime/services';
import { SqsPoller } from './runtime/sqs-poller';
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
  /** Virtual seconds per real second while work is in flight. */
  speed?: number;
  startTime?: number;
  /** Keep DynamoDB on disk here instead of in memory. */
  dataDir?: string;
  enforceQuotas?: boolean;
  faults?: FaultSettings;
  delivery?: Partial<DeliverySettings>;
  /** Where function logs go (one JSON line each); default: memory only. */
  logDir?: string;
  packageDir?: string;
  region?: string;
  /**
   * Variables set over every function's deployed environment. The SDK's client-side pacing
   * (AWS_RETRY_MODE=adaptive) sleeps in real time; tests that inject many faults may trade it
   * for `standard` to finish faster.
   */
  functionEnv?: Record<string, string>;
  /** Chaos runs (local/chaos): containers that exit mid-invocation, a flaky Step Functions → Lambda call. */
  chaos?: ChaosOptions;
};

export type ChaosOptions = {
  crashes?: ContainerCrash[];
  /** Share of the state machine's Lambda task calls answered with Lambda.ServiceException (seeded). */
  sfnLambdaFailureRate?: number;
};

export const LOCAL_ACCOUNT = '000000000000';
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

/**
 * The whole backend in one process: AWS emulators, DynamoDB, the deployed function bundles and the
 * routing that the packaged CloudFormation template declares, on one virtual clock.
 */
export async function startLocalStack(options: StackOptions = {}) {
  const seed = options.seed ?? 1;
  const region = options.region ?? 'us-east-1';
  const clock = new LocalClock(options.startTime ?? Date.UTC(2026, 0, 5, 8), options.speed ?? 20);
  const timeline = new Timeline();
  const random = seededRandom(seed ^ 0x5eed);
  const pending = new Set<Promise<unknown>>();
  const track = (work: Promise<unknown>) => {
    pending.add(work);
    void work.finally(() => pending.delete(work));
  };
  const template = loadPackagedTemplate();
  const logLines: { fn: string; line: string }[] = [];
  if (options.logDir) mkdirSync(options.logDir, { recursive: true });
  const log = (fn: string, line: string) => {
    logLines.push({ fn, line });
    if (options.logDir) appendFileSync(path.join(options.logDir, `${fn}.log`), `${line}\n`);
  };

  const deviceMessages: { topic: string; payload: object }[] = [];
  const dynamo = await createLocalDynamoDb({ clock, ...(options.dataDir ? { path: options.dataDir } : {}) });
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
      awsSdk: createAwsSdkIntegration({ region, credentials: LOCAL_CREDENTIALS }),
      dynamoDb: new DynamoDBClient({ endpoint: dynamo.url, region, credentials: LOCAL_CREDENTIALS }),
      putEvents: (params) =>
        new EventBridgeClient(clientConfig('eventBridge')).send(new PutEventsCommand(params as never)),
      snsPublish: (params) => new SNSClient(clientConfig('sns')).send(new PublishCommand(params as never)),
    },
  });
  const endpoints: Record<string, string> = { ...services.endpoints, dynamodb: dynamo.url };
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
      Object.entries(ENDPOINT_VARIABLES).map(([k, v]) => [v, endpoints[k as ServiceName]]),
    ),
  };
  // The stack's own SDK calls (sfn integrations) resolve endpoints from the same variables.
  Object.assign(process.env, env);
  const clientConfig = (service: ServiceName) => ({
    endpoint: endpoints[service],
    region,
    credentials: LOCAL_CREDENTIALS,
  });

  const names = {
    region,
    accountId: LOCAL_ACCOUNT,
    stackName: 'fleet-autopilot-local',
    sqsUrl: services.endpoints.sqs,
  };
  const attributes = localAttributes(template, names);
  const resolve = (value: unknown) => resolveIntrinsics(value, attributes, names);

  const ddb = new DynamoDBClient({ endpoint: dynamo.url, region, credentials: LOCAL_CREDENTIALS });
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

  const host = new FunctionHost(
    path.resolve('.local/functions'),
    env,
    log,
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
    return [
      new SqsPoller(
        queue,
        fn.name,
        host,
        {
          batchSize: m.batchSize,
          maxConcurrency,
          reportBatchItemFailures: m.reportBatchItemFailures,
          region,
        },
        track,
      ),
    ];
  });

  /** CloudFormation's part: run each custom resource's Create against its function, as a deploy does. */
  const deployCustomResources = async () => {
    const results: { id: string; status: string; reason?: string }[] = [];
    for (const [id, r] of Object.entries(template.Resources).filter(([, r]) =>
      r.Type.startsWith('Custom::'),
    )) {
      const props = resolve(r.Properties) as Record<string, unknown>;
      const response = await captureResponse();
      const event = {
        RequestType: 'Create',
        ServiceToken: props.ServiceToken,
        ResponseURL: response.url,
        StackId: `arn:aws:cloudformation:${region}:${LOCAL_ACCOUNT}:stack/fleet-autopilot-local/local`,
        RequestId: `${id}-create`,
        LogicalResourceId: id,
        ResourceType: r.Type,
        ResourceProperties: props,
      };
      await host.invoke(String(props.ServiceToken), event);
      const body = await response.body;
      results.push({ id, status: String(body.Status), reason: body.Reason as string | undefined });
    }
    return results;
  };

  const api = await listen(
    httpApiHandler(httpRoutes(template, resolve), host, LOCAL_ACCOUNT, () => clock.now()),
  );
  // The IoT data plane's Publish: a client injects an MQTT message into the rules engine (never onto
  // the reserved $aws/ topics, which AWS IoT's own events reach through `delivery` instead).
  const iotData = await listen(
    createIotDataHandler((topic, payload) => router.publishMqtt(topic, payload), services.iot.shadows),
  );
  Object.assign(endpoints, { api: api.url, iotData: iotData.url });
  env.AWS_ENDPOINT_URL_IOT_DATA_PLANE = iotData.url;
  process.env.AWS_ENDPOINT_URL_IOT_DATA_PLANE = iotData.url;

  const sweep = () => {
    services.iot.sweep();
    services.tunnels.sweep();
    services.cloudWatch.sweep();
    services.sfn.sweep();
    for (const action of timeline.takeDue(clock.now())) {
      const result = action.run();
      if (result instanceof Promise) track(result);
    }
  };
  const nextDeadline = (): number | undefined => {
    const times = [
      timeline.nextDue(),
      services.sfn.nextDue(),
      services.iot.nextDue(),
      ...services.sqs.queues().map((q) => q.nextVisibleAt()),
    ];
    const defined = times.filter((t): t is number => t !== undefined);
    return defined.length ? Math.min(...defined) : undefined;
  };

  /**
   * Runs until nothing can happen without more time, then jumps the clock to the next deadline;
   * stops when there is none (or it lies past `until`).
   */
  const runUntilIdle = async (opts: { until?: number } = {}) => {
    for (;;) {
      sweep();
      const started = pollers.map((p) => p.poll()).some(Boolean);
      if (started || pending.size > 0 || host.inFlight > 0) {
        await Promise.race([...pending, new Promise((r) => setTimeout(r, 5))]);
        continue;
      }
      await services.sfn.settle();
      if (pending.size > 0 || pollers.some((p) => p.queue.visibleCount() > 0)) continue;
      const next = nextDeadline();
      if (next === undefined || (opts.until !== undefined && next > opts.until)) {
        if (opts.until !== undefined) clock.jumpTo(opts.until);
        sweep();
        return;
      }
      clock.jumpTo(next);
    }
  };

  return {
    clock,
    timeline,
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
    logLines,
    chaosStats,
    access,
    clientConfig: (service: ServiceName | 'dynamodb') => ({
      endpoint: endpoints[service],
      region,
      credentials: LOCAL_CREDENTIALS,
    }),
    runUntilIdle,
    deployCustomResources,
    track,
    async close() {
      await host.close();
      await api.close();
      await iotData.close();
      await services.close();
      await dynamo.close();
    },
  };
}

export type LocalStack = Awaited<ReturnType<typeof startLocalStack>>;

async function createQueues(
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

/** A one-shot HTTP endpoint standing in for CloudFormation's pre-signed response URL. */
async function captureResponse(): Promise<{ url: string; body: Promise<Record<string, unknown>> }> {
  let deliver: (json: Record<string, unknown>) => void = () => undefined;
  const received = new Promise<Record<string, unknown>>((resolve) => {
    deliver = resolve;
  });
  const server = await listen((req, res) => {
    void readJsonObject(req).then((json) => {
      res.writeHead(200).end();
      deliver(json);
    });
  });
  return { url: `${server.url}/cfn-response`, body: received.finally(() => server.close()) };
}

function ignoreExists(error: Error): void {
  if (!/Exists|InUse/.test(error.name)) throw error;
}
