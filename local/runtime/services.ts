import { createCloudWatchEmulator } from '../emulators/cloudwatch/emulator';
import { type HttpHandler, type Listening, listen } from '../emulators/common/http';
import { FaultInjector, type FaultSettings, RateLimiter } from '../emulators/common/limits';
import { type Random, seededRandom } from '../emulators/common/random';
import { createEventBridgeEmulator } from '../emulators/eventbridge/emulator';
import type { IotCall } from '../emulators/iot';
import { createIotEmulator, DEFAULT_IOT_TPS, type IotEventSink } from '../emulators/iot';
import { createS3Emulator } from '../emulators/s3/emulator';
import { createSnsEmulator } from '../emulators/sns/emulator';
import { createSqsEmulator } from '../emulators/sqs/emulator';
import { createStepFunctionsEmulator, type StepFunctionsIntegrations } from '../emulators/stepfunctions';
import { createTunnelsEmulator, DEFAULT_TUNNEL_TPS } from '../emulators/tunnels/emulator';
import type { LocalClock } from './local-clock';
import type { VirtualNetwork } from './net/network';

export type ServiceOptions = {
  clock: LocalClock;
  seed: number;
  enforceQuotas: boolean;
  faults: FaultSettings;
  region: string;
  accountId: string;
  iotEvents: IotEventSink;
  deviceNotify: (topic: string, payload: object) => void;
  /** Task integrations; built by the stack, whose functions exist only after the services start. */
  sfnIntegrations: StepFunctionsIntegrations;
  /** Every server is also reachable here, without a socket. */
  network?: VirtualNetwork;
  /** Where the IoT emulator records accepted calls. */
  iotCalls?: IotCall[];
};

/** SDK v3's standard variables: how unmodified handlers and clients find the local services. */
export const ENDPOINT_VARIABLES = {
  iot: 'AWS_ENDPOINT_URL_IOT',
  iotJobsData: 'AWS_ENDPOINT_URL_IOT_JOBS_DATA_PLANE',
  tunnels: 'AWS_ENDPOINT_URL_IOTSECURETUNNELING',
  eventBridge: 'AWS_ENDPOINT_URL_EVENTBRIDGE',
  cloudWatch: 'AWS_ENDPOINT_URL_CLOUDWATCH',
  sfn: 'AWS_ENDPOINT_URL_SFN',
  sqs: 'AWS_ENDPOINT_URL_SQS',
  sns: 'AWS_ENDPOINT_URL_SNS',
  s3: 'AWS_ENDPOINT_URL_S3',
} as const;

export type ServiceName = keyof typeof ENDPOINT_VARIABLES;

/** Starts every AWS emulator on its own 127.0.0.1 port, each with seeded faults and AWS's quotas. */
export async function startServices(o: ServiceOptions) {
  const root = seededRandom(o.seed);
  const fork = (): Random => seededRandom(Math.floor(root() * 2 ** 31));
  const limiter = (tps: Record<string, number>) => new RateLimiter(o.clock, tps, o.enforceQuotas);
  const injectors: FaultInjector[] = [];
  const faults = () => {
    const injector = new FaultInjector(fork(), o.faults);
    injectors.push(injector);
    return injector;
  };
  const common = { clock: o.clock, region: o.region, accountId: o.accountId };
  let sqsUrl = '';
  let s3Url = '';

  // Bulk registration reads its input from S3 and writes its reports there.
  const s3 = createS3Emulator({
    clock: o.clock,
    limiter: limiter({}),
    faults: faults(),
    baseUrl: () => s3Url,
  });
  const iot = createIotEmulator({
    ...common,
    limiter: limiter(DEFAULT_IOT_TPS),
    faults: faults(),
    events: o.iotEvents,
    objects: s3.store,
    ...(o.iotCalls ? { calls: o.iotCalls } : {}),
  });
  const tunnels = createTunnelsEmulator({
    ...common,
    limiter: limiter(DEFAULT_TUNNEL_TPS),
    faults: faults(),
    onDeviceNotify: o.deviceNotify,
  });
  const eventBridge = createEventBridgeEmulator({ ...common, limiter: limiter({}), faults: faults() });
  const cloudWatch = createCloudWatchEmulator({
    ...common,
    limiter: limiter({}),
    faults: faults(),
    events: eventBridge,
  });
  const sqs = createSqsEmulator({ ...common, limiter: limiter({}), faults: faults(), baseUrl: () => sqsUrl });
  const sns = createSnsEmulator({ clock: o.clock, limiter: limiter({}), faults: faults() });
  const sfn = createStepFunctionsEmulator({
    ...common,
    limiter: limiter({}),
    faults: faults(),
    integrations: o.sfnIntegrations,
    realTimers: false,
  });

  const handlers: Record<ServiceName, HttpHandler> = {
    iot: iot.handler,
    iotJobsData: iot.jobsDataHandler,
    tunnels: tunnels.handler,
    eventBridge: eventBridge.handler,
    cloudWatch: cloudWatch.handler,
    sfn: (req, res) => void sfn.handler(req, res),
    sqs: sqs.handler,
    sns: sns.handler,
    s3: s3.handler,
  };
  const servers = {} as Record<ServiceName, Listening>;
  for (const [name, handler] of Object.entries(handlers) as [ServiceName, HttpHandler][]) {
    servers[name] = await listen(handler);
    o.network?.serve(servers[name].url, handler);
  }
  sqsUrl = servers.sqs.url;
  s3Url = servers.s3.url;
  const endpoints = Object.fromEntries(Object.entries(servers).map(([k, s]) => [k, s.url])) as Record<
    ServiceName,
    string
  >;
  return {
    iot,
    tunnels,
    eventBridge,
    cloudWatch,
    sqs,
    sns,
    sfn,
    s3,
    endpoints,
    /** Faults injected so far across every emulator (chaos runs report them). */
    faultsInjected: () =>
      injectors.reduce(
        (n, f) => ({
          throttle: n.throttle + f.injected.throttle,
          serverError: n.serverError + f.injected.serverError,
        }),
        { throttle: 0, serverError: 0 },
      ),
    close: () => Promise.all(Object.values(servers).map((s) => s.close())),
  };
}

export type Services = Awaited<ReturnType<typeof startServices>>;
