import type { AuditWriter, DomainEventPublisher, OperatorNotifier } from './effect-ports';
import type { AlarmReader, ExecutionReader, HealthStore, PackageReader } from './health-ports';
import type { RolloutFleetIndex, RolloutJobs } from './rollout-iot-ports';
import type { RollbackIot } from './rollout-rollback-port';
import type { RolloutStore } from './rollout-store-port';

/**
 * What the rollout services depend on. Each port is declared next to the services (this file,
 * rollout-store-port.ts, rollout-iot-ports.ts, rollout-rollback-port.ts, health-ports.ts and the
 * effect-ports.ts every feature shares); the adapters in shared/adapters implement them and
 * functions/wiring/rollout.ts, rollout-steps.ts and rollout-events.ts compose them.
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
