import type { AuditInput } from '../audit/audit-record';
import type { DomainEvent } from '../domain/events/domain-event';
import type { AlarmReader, ExecutionReader, HealthStore, PackageReader } from './health-ports';
import type { RollbackIot, RolloutFleetIndex, RolloutJobs } from './rollout-iot-ports';
import type { RolloutStore } from './rollout-store-port';

/**
 * What the rollout services depend on. Each port is declared next to the services (this file,
 * rollout-store-port.ts, rollout-iot-ports.ts, health-ports.ts); the adapters in shared/adapters
 * implement them and functions/wiring/rollout.ts composes them.
 */

/** Step Functions: the rollout's executions and the task tokens its waits hand out. */
export interface TaskSender {
  /**
   * StartExecution named `from.name` (the rollout id, or a resume's `<rolloutId>--r<n>-<nonce>`). The
   * same name and input again while it runs is the same execution; once it closed, or with another
   * input, `alreadyExists`: never a second execution of one name.
   */
  start(
    rolloutId: string,
    from?: { name: string; stageIndex: number },
  ): Promise<{ executionArn: string } | { alreadyExists: true }>;
  /**
   * SendTaskSuccess. A token that is unknown, already answered, timed out or of a stopped execution is
   * `gone`, not an error; throttling is thrown. The token is never logged or returned.
   */
  succeed(token: string, output: unknown): Promise<'sent' | 'gone'>;
  /** SendTaskFailure with `error` (a name the state machine catches); `gone` as for succeed. */
  fail(token: string, error: string, cause: string): Promise<'sent' | 'gone'>;
}

/**
 * Appends one audit record. The same cause, action and subject again keeps the first record
 * (`written: false`): what makes a retried step's record appear once.
 */
export type AuditWriter = (input: AuditInput) => Promise<{ written: boolean; id: string }>;
/** Publishes domain events on the project's bus; a partly refused batch throws, so the caller retries. */
export type DomainEventPublisher = (events: DomainEvent[]) => Promise<void>;
/** Tells the operators (SNS): approvals needed, rollouts stopped. */
export type OperatorNotifier = (notice: {
  subject: string;
  message: string;
  attributes?: Record<string, string>;
}) => Promise<void>;

export type RolloutDeps = {
  store: RolloutStore;
  jobs: RolloutJobs;
  /** Fleet indexing and dynamic thing groups (stages that target a query). */
  fleetIndex: RolloutFleetIndex;
  tasks: TaskSender;
  audit: AuditWriter;
  publish: DomainEventPublisher;
  notify: OperatorNotifier;
  /** Health-gated stages: suspects, presence, the executions, alarms and `$package` shadows they are confirmed on. */
  health: HealthStore;
  executions: ExecutionReader;
  alarms: AlarmReader;
  packages: PackageReader;
  /** `function:rollout-steps`, or the human principal for API actions. */
  actor: string;
};

/** The state machine's steps: the rollout ports plus the account's IoT ARN prefix and a rollback's groups. */
export type StepDeps = RolloutDeps & { arnPrefix: string; rollback: RollbackIot };
