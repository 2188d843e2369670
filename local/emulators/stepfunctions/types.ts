import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Clock } from '../common/clock';
import type { FaultInjector, RateLimiter } from '../common/limits';

export type Params = Record<string, unknown>;

/** The effects behind Task states. Missing entries make the matching tasks fail like a missing resource. */
export interface StepFunctionsIntegrations {
  /**
   * Lambda Invoke. Reject with the function's error (its `name` is the `errorType` Retry/Catch see), or
   * with an AWS SDK service exception (an error carrying `$fault`) for a Lambda service error.
   */
  invokeLambda?: (functionName: string, payload: unknown) => Promise<unknown>;
  /** `arn:aws:states:::aws-sdk:<service>:<action>` with PascalCase params; resolves PascalCase output. */
  awsSdk?: (service: string, action: string, params: Params) => Promise<unknown>;
  /** Client for the optimized DynamoDB integrations (default: `new DynamoDBClient({})`). */
  dynamoDb?: DynamoDBClient;
  putEvents?: (params: Params) => Promise<unknown>;
  snsPublish?: (params: Params) => Promise<unknown>;
}

export interface StepFunctionsEmulatorOptions {
  clock: Clock;
  limiter: RateLimiter;
  faults: FaultInjector;
  region?: string;
  accountId?: string;
  integrations: StepFunctionsIntegrations;
  /** Also arm real timers for due work (real-time mode). Default: true only for `systemClock`. */
  realTimers?: boolean;
}

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

export interface HistoryEvent {
  id: number;
  previousEventId: number;
  /** Epoch ms on the emulator's clock. */
  timestamp: number;
  type: string;
  /** Wire name of the details member, e.g. `taskScheduledEventDetails`. */
  detailsKey?: string;
  details?: Params;
}

/** Read access to an execution, for tests and the benchmark. */
export interface ExecutionView {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly name: string;
  readonly status: ExecutionStatus;
  readonly input: string;
  readonly output?: string;
  readonly error?: string;
  readonly cause?: string;
  readonly startDate: number;
  readonly stopDate?: number;
  readonly history: readonly HistoryEvent[];
  /** State transitions as AWS bills them: every state entered plus every retry. */
  readonly stateTransitions: number;
}
