import type { FleetQuery } from '../../../shared/domain/fleet-index/query-ast';
import type { Clock } from '../common/clock';
import { DeadlineMap } from './deadlines';
import type { IndexingState } from './indexing-state';
import type { RegistrationTask } from './registration-model';
import type { ConnectivityRecord, ShadowRecord } from './shadow-model';

export type IotEventSink = (topic: string, payload: Record<string, unknown>) => void;

export const EVENT_TYPES = [
  'THING',
  'THING_GROUP',
  'THING_TYPE',
  'THING_GROUP_MEMBERSHIP',
  'THING_GROUP_HIERARCHY',
  'THING_TYPE_ASSOCIATION',
  'JOB',
  'JOB_EXECUTION',
  'POLICY',
  'CERTIFICATE',
  'CA_CERTIFICATE',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export type Attributes = Record<string, string>;

export interface ThingRecord {
  thingName: string;
  thingId: string;
  thingArn: string;
  thingTypeName?: string;
  attributes: Attributes;
  version: number;
  /** Names of the static groups the thing is a direct member of, in join order. */
  groups: string[];
}

interface ThingTypeRecord {
  thingTypeName: string;
  thingTypeId: string;
  thingTypeArn: string;
  properties: Record<string, unknown>;
  createdAt: number;
}

export interface ThingGroupRecord {
  thingGroupName: string;
  thingGroupId: string;
  thingGroupArn: string;
  parentGroupName?: string;
  description?: string;
  attributes: Attributes;
  version: number;
  createdAt: number;
  children: string[];
  things: string[];
  /** Set on a dynamic thing group (CreateDynamicThingGroup): its query and status. */
  dynamic?: DynamicGroupInfo;
  /** CreateThingGroup `tags` (the IAM conditions aws:ResourceTag/* read them in AWS). */
  tags?: { Key: string; Value?: string }[];
}

export interface DynamicGroupInfo {
  queryString: string;
  query: FleetQuery;
  indexName: string;
  queryVersion: string;
  status: 'ACTIVE' | 'BUILDING' | 'REBUILDING';
}

type JobStatus = 'IN_PROGRESS' | 'CANCELED' | 'COMPLETED' | 'SCHEDULED';
export type ExecutionStatus =
  | 'QUEUED'
  | 'IN_PROGRESS'
  | 'SUCCEEDED'
  | 'FAILED'
  | 'TIMED_OUT'
  | 'REJECTED'
  | 'REMOVED'
  | 'CANCELED';

export const TERMINAL: ReadonlySet<ExecutionStatus> = new Set([
  'SUCCEEDED',
  'FAILED',
  'TIMED_OUT',
  'REJECTED',
  'REMOVED',
  'CANCELED',
]);

export interface ExecutionRecord {
  jobId: string;
  thingName: string;
  thingArn: string;
  status: ExecutionStatus;
  statusDetails: Attributes;
  queuedAt: number;
  startedAt?: number;
  lastUpdatedAt: number;
  executionNumber: number;
  versionNumber: number;
  retryAttempt: number;
  forceCanceled: boolean;
  /** Absolute ms deadlines of the in-progress timer and of the step timer. */
  inProgressDeadline?: number;
  stepDeadline?: number;
}

export type Json = Record<string, unknown>;

export interface JobRecord {
  jobId: string;
  jobArn: string;
  targets: string[];
  targetSelection: 'SNAPSHOT' | 'CONTINUOUS';
  status: JobStatus;
  description?: string;
  document?: string;
  documentSource?: string;
  rolloutConfig?: Json;
  abortConfig?: Json;
  timeoutConfig?: Json;
  retryConfig?: Json;
  schedulingConfig?: Json;
  presignedUrlConfig?: Json;
  /** Software Package Catalog versions the job installs (written to `$package` after a success). */
  destinationPackageVersions?: string[];
  tags?: unknown[];
  createdAt: number;
  lastUpdatedAt: number;
  completedAt?: number;
  scheduledStart?: number;
  forceCanceled: boolean;
  reasonCode?: string;
  comment?: string;
  /** Things resolved from the targets that have not received an execution yet (rollout queue). */
  pending: string[];
  rollout: {
    windowStart: number;
    releasedInWindow: number;
    /** Rate fixed at the start of the current one-minute window. */
    windowRate?: number;
    notified: number;
    succeeded: number;
  };
  /** Current execution per thing; retried attempts replace earlier ones, kept in `history`. */
  executions: Map<string, ExecutionRecord>;
  history: ExecutionRecord[];
}

/** The account's Software Package Catalog configuration (packages.ts). */
type PackageConfig = { versionUpdateByJobs: { enabled: boolean; roleArn?: string } };

export interface IotState {
  things: Map<string, ThingRecord>;
  thingTypes: Map<string, ThingTypeRecord>;
  groups: Map<string, ThingGroupRecord>;
  jobs: Map<string, JobRecord>;
  eventConfig: Map<EventType, boolean>;
  eventConfigCreatedAt: number;
  eventConfigUpdatedAt: number;
  /** Executions with an armed in-progress or step timer, so timeouts need not scan every job. */
  timed: Map<ExecutionRecord, JobRecord>;
  /** Next execution number per thing. */
  executionNumbers: Map<string, number>;
  /** Fleet indexing: configuration (UpdateIndexingConfiguration) and what devices report. */
  indexing: IndexingState;
  connectivity: Map<string, ConnectivityRecord>;
  /** thing name → shadow name ('' for the classic shadow) → shadow. */
  shadows: Map<string, Map<string, ShadowRecord>>;
  registrationTasks: Map<string, RegistrationTask>;
  /** Software Package Catalog: UpdatePackageConfiguration (VersionUpdateByJobsConfig, off by default). */
  packageConfig: PackageConfig;
}

/** What every operation gets: state, time, identity and the event publisher. */
export interface IotContext {
  state: IotState;
  clock: Clock;
  region: string;
  accountId: string;
  arn(resource: string): string;
  newId(): string;
  publish(type: EventType, topic: string, payload: Json): void;
  /** Lifecycle events (`$aws/events/presence/...`): published without any event configuration. */
  lifecycle(topic: string, payload: Json): void;
  /** Messages AWS IoT sends a device on its reserved topics (`$aws/things/<thing>/jobs/notify-next`). */
  notifyDevice(topic: string, payload: Json): void;
  /** Where bulk registration reads its input and writes its reports (the S3 emulator). */
  objects?: ObjectStore;
}

/** The S3 objects the IoT emulator reads and writes (StartThingRegistrationTask's input and reports). */
export interface ObjectStore {
  get(bucket: string, key: string): Buffer | undefined;
  put(bucket: string, key: string, body: Buffer, contentType: string): void;
  ensureBucket(bucket: string): void;
  /** A URL that fetches the object without signing (the reports' resource links). */
  url(bucket: string, key: string): string;
}

export function createState(now: number): IotState {
  return {
    things: new Map(),
    thingTypes: new Map(),
    groups: new Map(),
    jobs: new Map(),
    eventConfig: new Map(EVENT_TYPES.map((t) => [t, false])),
    eventConfigCreatedAt: now,
    eventConfigUpdatedAt: now,
    timed: new DeadlineMap(),
    executionNumbers: new Map(),
    indexing: {
      thing: { thingIndexingMode: 'OFF' },
      group: { thingGroupIndexingMode: 'OFF' },
      updatedAt: now,
    },
    connectivity: new Map(),
    shadows: new Map(),
    registrationTasks: new Map(),
    packageConfig: { versionUpdateByJobs: { enabled: false } },
  };
}

/** Deterministic UUID-shaped ids, so a seeded run replays exactly. */
export function idGenerator(): () => string {
  let n = 0;
  return () => {
    n += 1;
    const hex = n.toString(16).padStart(32, '0');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20)}`;
  };
}

/** Control-plane timestamps are epoch seconds (the SDK parses timestamp shapes as seconds). */
export const toSeconds = (ms: number | undefined): number | undefined =>
  ms === undefined ? undefined : ms / 1000;
