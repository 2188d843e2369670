import type { AlarmState } from '../domain/rollout/health-alarms';
import type { PackageShadow } from '../domain/rollout/health-package';
import type { PresenceEvent } from '../domain/rollout/health-presence';
import type { StageHealth } from '../domain/rollout/stage-health';

/**
 * Why a success is suspected of being unhealthy. `package`: every success of a stage that checks
 * package versions, judged on its `$package` shadow once the success has settled.
 */
export type SuspectReason = 'reconnect' | 'selfCheck' | 'package';
export type SuspectVerdict = 'unhealthy' | 'healthy' | 'pending';

/** A device whose success is being watched for its reconnect (one per thing and rollout). */
export type HealthWatch = {
  thingName: string;
  rolloutId: string;
  stageIndex: number;
  jobId: string;
  succeededAt: number;
  windowMs: number;
};

/** A succeeded device that may be unhealthy; judged by the rollout's Reconcile step. */
export type Suspect = {
  rolloutId: string;
  stageIndex: number;
  thingName: string;
  jobId: string;
  reason: SuspectReason;
  succeededAt: number;
  /** reconnect: the window; package: the settle time; selfCheck: 0. */
  windowMs: number;
  /** What the event showed (selfCheck), in words for the audit. */
  explanation?: string;
  /** Set once judged: an unhealthy or healthy verdict is final. */
  verdict?: SuspectVerdict;
  judgedAt?: number;
  evidence?: string;
  /** An unhealthy device's execution start (DescribeJobExecution), for the gate's prefix rule. */
  startedAt?: number;
};

/** The state table's health records (shared/adapters/health-store.ts). */
export interface HealthStore {
  /** Merges one lifecycle event into the thing's presence history (idempotent, order-free). */
  recordPresence(thingName: string, event: PresenceEvent, at: number): Promise<PresenceEvent[]>;
  presenceOf(thingNames: readonly string[]): Promise<Map<string, PresenceEvent[]>>;
  putWatch(watch: HealthWatch): Promise<void>;
  watchesOf(thingName: string): Promise<HealthWatch[]>;
  /** Creates the suspect once (a repeat is a no-op); false when it existed already. */
  putSuspect(suspect: Suspect): Promise<boolean>;
  /** The suspects of one attempt of the stage (0, its first, when absent; a resume starts another). */
  suspects(rolloutId: string, stageIndex: number, attempt?: number): Promise<Suspect[]>;
  judgeSuspect(
    s: Suspect,
    verdict: SuspectVerdict,
    at: number,
    evidence: string,
    startedAt?: number,
  ): Promise<void>;
  /**
   * Folds ended success buckets into the stage's `okMatured` count, only if none moved since they were
   * read (a late event's ADD wins; the fold is tried again later).
   */
  foldSuccessBuckets(
    rolloutId: string,
    stageIndex: number,
    buckets: Readonly<Record<string, number>>,
  ): Promise<boolean>;
  /** Reconcile's finding on the stage item, newest check wins. */
  setStageHealth(rolloutId: string, stageIndex: number, health: StageHealth): Promise<void>;
}

/** CloudWatch alarm states by name (DescribeAlarms). */
export interface AlarmReader {
  alarmStates(names: readonly string[]): Promise<AlarmState[]>;
}

/** One job execution as AWS IoT reports it (DescribeJobExecution): what a suspect is confirmed on. */
export type ExecutionRead = {
  status: string;
  statusDetails: Record<string, string>;
  /** When the device started it (IN_PROGRESS): where an unhealthy device sits in the start order. */
  startedAt?: number;
  lastUpdatedAt?: number;
};
export interface ExecutionReader {
  describeExecution(jobId: string, thingName: string): Promise<ExecutionRead | undefined>;
}

/** Software Package Catalog: a device's `$package` shadow and the account's package configuration. */
export interface PackageReader {
  /** GetThingShadow of the reserved named shadow `$package`; undefined when the thing has none. */
  packageShadow(thingName: string): Promise<PackageShadow | undefined>;
  /** GetPackageConfiguration: does AWS IoT Jobs write `$package` after a success (VersionUpdateByJobsConfig)? */
  versionUpdateByJobs(): Promise<boolean>;
}
