import * as EventBridgeSdk from '@aws-sdk/client-eventbridge';
import { AccessControl } from '../common/access-control';
import type { Clock } from '../common/clock';
import { AwsError, awsRpcHandler, type CallContext, type Handler, type JsonObject } from '../common/json-rpc';
import type { FaultInjector, RateLimiter } from '../common/limits';
import type { Caller } from '../common/policy';
import { serviceModel } from '../common/smithy';
import { checkString } from '../tunnels/validation';
import {
  type AwsEventInput,
  checkEntry,
  checkPutEventsRequest,
  type EntryResult,
  type EventEnvelope,
  envelope,
} from './envelope';
import { createRules } from './rules';

type EventSubscriber = (busName: string, event: EventEnvelope) => void;

export interface EventBridgeEmulatorOptions {
  clock: Clock;
  limiter: RateLimiter;
  faults: FaultInjector;
  region?: string;
  accountId?: string;
}

export interface EventBridgeEmulator {
  handler: Handler;
  /** Called for every accepted event, with the full envelope. Returns an unsubscribe function. */
  subscribe(fn: EventSubscriber): () => void;
  /** Publishes an AWS-originated event (source aws.*) on the default bus. */
  emit(event: AwsEventInput): EventEnvelope;
  /** Every accepted event on a bus, oldest first, for replay. */
  archive(busName: string): readonly EventEnvelope[];
  /** Bus policies and principals to enforce on PutEvents (none until set: every caller may put). */
  useAccessControl(access: AccessControl): void;
}

interface Bus {
  name: string;
  arn: string;
  description?: string;
  createdAt: number;
  updatedAt: number;
}

const BUS_NAME = /^[/.\-_A-Za-z0-9]+$/;
const model = serviceModel(EventBridgeSdk);

/**
 * Input members each operation honours; the others (global endpoints, partner event sources, bus
 * encryption, dead-letter and log configuration, tags) are refused as not emulated.
 */
const HONOURED = {
  PutEvents: ['Entries'],
  CreateEventBus: ['Name', 'Description'],
  DescribeEventBus: ['Name'],
  DeleteEventBus: ['Name'],
  PutRule: ['Name', 'ScheduleExpression', 'EventPattern', 'State', 'Description', 'RoleArn', 'EventBusName'],
  DeleteRule: ['Name', 'EventBusName', 'Force'],
  DescribeRule: ['Name', 'EventBusName'],
  ListRules: ['NamePrefix', 'EventBusName', 'NextToken', 'Limit'],
  PutTargets: ['Rule', 'Targets', 'EventBusName'],
  // Force only matters for rules managed by another AWS service, which the emulator never has.
  RemoveTargets: ['Rule', 'Ids', 'EventBusName', 'Force'],
  ListTargetsByRule: ['Rule', 'EventBusName', 'NextToken', 'Limit'],
} as const;

export function createEventBridgeEmulator(opts: EventBridgeEmulatorOptions): EventBridgeEmulator {
  const { clock } = opts;
  const region = opts.region ?? 'us-east-1';
  const account = opts.accountId ?? '000000000000';
  const busArn = (name: string) => `arn:aws:events:${region}:${account}:event-bus/${name}`;
  const buses = new Map<string, Bus>();
  const archives = new Map<string, EventEnvelope[]>();
  const subscribers = new Set<EventSubscriber>();
  buses.set('default', {
    name: 'default',
    arn: busArn('default'),
    createdAt: clock.now(),
    updatedAt: clock.now(),
  });

  /** Accepts a bus name or ARN, as EventBridge does. */
  const busFor = (nameOrArn: unknown): Bus => {
    const raw = typeof nameOrArn === 'string' && nameOrArn !== '' ? nameOrArn : 'default';
    const name = raw.startsWith('arn:') ? (raw.split(':event-bus/')[1] ?? raw) : raw;
    const bus = buses.get(name);
    if (!bus) throw new AwsError('ResourceNotFoundException', `Event bus ${name} does not exist.`);
    return bus;
  };
  const rules = createRules({ region, account, clock, busFor });
  let access = AccessControl.open(account);

  /**
   * PutEvents is authorized per entry, as each names its own bus, source and detail type (the
   * condition keys events:source, events:detail-type, events:eventBusInvocation): an entry the bus
   * policy refuses fails on its own with ErrorCode AccessDeniedException, one of the entry errors
   * the PutEvents API documents; the other entries go ahead.
   */
  const refusal = (caller: Caller, bus: Bus, e: JsonObject): EntryResult | undefined => {
    const denial = access.authorize({
      caller,
      action: 'events:PutEvents',
      resource: bus.arn,
      keys: {
        'events:source': typeof e.Source === 'string' ? e.Source : undefined,
        'events:detail-type': typeof e.DetailType === 'string' ? e.DetailType : undefined,
        'events:eventBusInvocation': 'false',
      },
    });
    return denial ? { ErrorCode: 'AccessDeniedException', ErrorMessage: denial.message } : undefined;
  };

  const accept = (bus: Bus, event: EventEnvelope): void => {
    const list = archives.get(bus.name) ?? [];
    list.push(event);
    archives.set(bus.name, list);
    for (const fn of subscribers) fn(bus.name, event);
  };

  const operations = {
    PutEvents(input: JsonObject, call: CallContext): JsonObject {
      const entries = checkPutEventsRequest(input.Entries);
      const caller = access.callerOf(call.headers, call.url);
      const results: EntryResult[] = entries.map((e) => {
        const checked = checkEntry(e);
        if ('error' in checked) return checked.error;
        let bus: Bus;
        try {
          bus = busFor(e.EventBusName);
        } catch (err) {
          return { ErrorCode: 'ResourceNotFoundException', ErrorMessage: (err as Error).message };
        }
        const refused = refusal(caller, bus, e);
        if (refused) return refused;
        const resources = Array.isArray(e.Resources) ? e.Resources.map(String) : [];
        const time = typeof e.Time === 'number' ? e.Time * 1000 : undefined;
        const event = envelope(
          {
            source: String(e.Source),
            'detail-type': String(e.DetailType),
            detail: checked.detail,
            resources,
            time,
          },
          clock.now(),
          account,
          region,
        );
        accept(bus, event);
        return { EventId: event.id };
      });
      return { FailedEntryCount: results.filter((r) => r.ErrorCode).length, Entries: results };
    },

    CreateEventBus(input: JsonObject): JsonObject {
      const name =
        checkString(input.Name, 'name', { required: true, min: 1, max: 256, pattern: BUS_NAME }) ?? '';
      if (buses.has(name))
        throw new AwsError('ResourceAlreadyExistsException', `Event bus ${name} already exists.`);
      const description = checkString(input.Description, 'description', { max: 512 });
      const now = clock.now();
      const bus: Bus = { name, arn: busArn(name), description, createdAt: now, updatedAt: now };
      buses.set(name, bus);
      return { EventBusArn: bus.arn, Description: description };
    },

    DescribeEventBus(input: JsonObject): JsonObject {
      const bus = busFor(input.Name);
      return {
        Name: bus.name,
        Arn: bus.arn,
        Description: bus.description,
        CreationTime: bus.createdAt / 1000,
        LastModifiedTime: bus.updatedAt / 1000,
      };
    },

    DeleteEventBus(input: JsonObject): JsonObject {
      const name = checkString(input.Name, 'name', { required: true }) ?? '';
      if (name === 'default') throw new AwsError('ValidationException', 'Cannot delete event bus default.');
      buses.delete(name);
      return {};
    },

    ...rules.operations,
  };

  // AWS serves EventBridge over AWS JSON 1.1 only.
  const handler = awsRpcHandler({
    json: { targetPrefix: 'AWSEvents', version: '1.1' },
    model,
    operations,
    members: HONOURED,
    notEmulated: (message) => new AwsError('ValidationException', message),
    limiter: opts.limiter,
    faults: opts.faults,
    throttleError: () => new AwsError('ThrottlingException', 'Rate exceeded'),
    serverError: () => new AwsError('InternalException', 'Internal service error', 500),
  });

  return {
    handler,
    subscribe(fn) {
      subscribers.add(fn);
      return () => subscribers.delete(fn);
    },
    emit(event) {
      const env = envelope(event, clock.now(), account, region);
      accept(busFor('default'), env);
      return env;
    },
    archive: (busName) => [...(archives.get(busName) ?? [])],
    useAccessControl(next) {
      access = next;
    },
  };
}
