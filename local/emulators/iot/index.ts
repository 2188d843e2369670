import * as IotSdk from '@aws-sdk/client-iot';
import * as JobsDataSdk from '@aws-sdk/client-iot-jobs-data-plane';
import type { Clock } from '../common/clock';
import type { HttpHandler } from '../common/http';
import type { FaultInjector, RateLimiter } from '../common/limits';
import { serviceModel } from '../common/smithy';
import { setConnected } from './connectivity';
import {
  createState,
  type EventType,
  type IotContext,
  type IotEventSink,
  type IotState,
  idGenerator,
  type Json,
  type ObjectStore,
} from './model';
import { nextRegistrationDue } from './registration-tasks';
import { tick } from './rollout';
import { CONTROL_ROUTES, JOBS_DATA_ROUTES } from './routes';
import { createHandler, type IotCall } from './server';
import { deleteThingShadow, getThingShadow, listNamedShadows, updateThingShadow } from './shadows';

export type { IotEventSink } from './model';
export { DEFAULT_IOT_TPS } from './quotas';
export type { IotCall } from './server';

export interface IotEmulatorOptions {
  clock: Clock;
  limiter: RateLimiter;
  faults: FaultInjector;
  events: IotEventSink;
  region?: string;
  accountId?: string;
  /** S3 objects for bulk registration; without it StartThingRegistrationTask is refused. */
  objects?: ObjectStore;
  /** Where accepted calls are recorded (default: an array in memory). */
  calls?: IotCall[];
}

type DeviceListener = (topic: string, payload: Json) => void;

export interface IotEmulator {
  /** Control plane (`AWS_ENDPOINT_URL_IOT`). */
  handler: HttpHandler;
  /** Jobs data plane (`AWS_ENDPOINT_URL_IOT_JOBS_DATA_PLANE`). */
  jobsDataHandler: HttpHandler;
  /** Live state, for tests and reports; treat as read-only. */
  state: IotState;
  /** Applies time-based transitions (schedules, rollout rate, timeouts) at the clock's current time. */
  sweep(): void;
  /** Every accepted mutating call, in order. */
  calls: IotCall[];
  /** Device Shadow REST API, served on the IoT data endpoint (data-plane.ts). */
  shadows: ShadowApi;
  /** A device connects or disconnects (its MQTT session): connectivity and lifecycle events. */
  devices: { connect(clientId: string): void; disconnect(clientId: string, reason?: string): void };
  /** Messages to devices on their reserved topics (jobs notify-next); returns an unsubscribe. */
  subscribeDevices(listener: DeviceListener): () => void;
  /** When time alone next changes something (a registration task's next lines), if ever. */
  nextDue(): number | undefined;
}

export type ShadowApi = {
  get(thingName: string, shadowName: string): Json;
  update(thingName: string, shadowName: string, payload: string): Json;
  delete(thingName: string, shadowName: string): Json;
  list(thingName: string): Json;
};

export function createIotEmulator(options: IotEmulatorOptions): IotEmulator {
  const region = options.region ?? 'us-east-1';
  const accountId = options.accountId ?? '123456789012';
  const state = createState(options.clock.now());
  const deviceListeners = new Set<DeviceListener>();
  const ctx: IotContext = {
    state,
    clock: options.clock,
    region,
    accountId,
    arn: (resource) => `arn:aws:iot:${region}:${accountId}:${resource}`,
    newId: idGenerator(),
    // AWS publishes registry and job events only for enabled event types (all off by default).
    publish: (type: EventType, topic, payload) => {
      if (state.eventConfig.get(type)) options.events(topic, payload);
    },
    lifecycle: (topic, payload) => options.events(topic, payload),
    notifyDevice: (topic, payload) => {
      for (const listener of deviceListeners) listener(topic, payload);
    },
    ...(options.objects ? { objects: options.objects } : {}),
  };
  const calls: IotCall[] = options.calls ?? [];
  const pipeline = { ctx, limiter: options.limiter, faults: options.faults, calls, tick: () => tick(ctx) };
  return {
    handler: createHandler(pipeline, CONTROL_ROUTES, 'control', serviceModel(IotSdk)),
    jobsDataHandler: createHandler(pipeline, JOBS_DATA_ROUTES, 'jobs-data', serviceModel(JobsDataSdk)),
    state,
    sweep: () => tick(ctx),
    calls,
    shadows: {
      get: (thing, shadow) => getThingShadow(ctx, thing, shadow),
      update: (thing, shadow, payload) => updateThingShadow(ctx, thing, shadow, payload),
      delete: (thing, shadow) => deleteThingShadow(ctx, thing, shadow),
      list: (thing) => listNamedShadows(ctx, thing),
    },
    devices: {
      connect: (clientId) => setConnected(ctx, clientId, true),
      disconnect: (clientId, reason) => setConnected(ctx, clientId, false, reason),
    },
    subscribeDevices(listener) {
      deviceListeners.add(listener);
      return () => deviceListeners.delete(listener);
    },
    nextDue: () => nextRegistrationDue(ctx),
  };
}
