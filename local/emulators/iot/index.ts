import * as IotSdk from '@aws-sdk/client-iot';
import * as JobsDataSdk from '@aws-sdk/client-iot-jobs-data-plane';
import type { Clock } from '../common/clock';
import type { HttpHandler } from '../common/http';
import type { FaultInjector, RateLimiter } from '../common/limits';
import { serviceModel } from '../common/smithy';
import {
  createState,
  type EventType,
  type IotContext,
  type IotEventSink,
  type IotState,
  idGenerator,
} from './model';
import { tick } from './rollout';
import { CONTROL_ROUTES, JOBS_DATA_ROUTES } from './routes';
import { createHandler, type IotCall } from './server';

export type { IotEventSink, IotState } from './model';
export { DEFAULT_IOT_TPS } from './quotas';
export type { IotCall } from './server';

export interface IotEmulatorOptions {
  clock: Clock;
  limiter: RateLimiter;
  faults: FaultInjector;
  events: IotEventSink;
  region?: string;
  accountId?: string;
}

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
}

export function createIotEmulator(options: IotEmulatorOptions): IotEmulator {
  const region = options.region ?? 'us-east-1';
  const accountId = options.accountId ?? '123456789012';
  const state = createState(options.clock.now());
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
  };
  const calls: IotCall[] = [];
  const pipeline = { ctx, limiter: options.limiter, faults: options.faults, calls, tick: () => tick(ctx) };
  return {
    handler: createHandler(pipeline, CONTROL_ROUTES, 'control', serviceModel(IotSdk)),
    jobsDataHandler: createHandler(pipeline, JOBS_DATA_ROUTES, 'jobs-data', serviceModel(JobsDataSdk)),
    state,
    sweep: () => tick(ctx),
    calls,
  };
}
