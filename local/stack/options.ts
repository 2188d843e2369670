import type { FaultSettings } from '../emulators/common/limits';
import type { DeliverySettings } from '../runtime/delivery';
import type { ContainerCrash } from '../runtime/function-host';

export type StackOptions = {
  seed?: number;
  /** Virtual seconds per real second where the stack serves outside clients (`--serve`). */
  speed?: number;
  startTime?: number;
  /** Keep DynamoDB on disk here instead of in memory. */
  dataDir?: string;
  enforceQuotas?: boolean;
  faults?: FaultSettings;
  delivery?: Partial<DeliverySettings>;
  /** Where function logs go (one file per function, JSON lines); default: a temporary directory. */
  logDir?: string;
  packageDir?: string;
  region?: string;
  /** Variables set over every function's deployed environment. */
  functionEnv?: Record<string, string>;
  /** Chaos runs (local/chaos): containers that exit mid-invocation, a flaky Step Functions → Lambda call. */
  chaos?: ChaosOptions;
  /**
   * Worker threads for the function containers (0: all in the stack's thread). A fixed number, not
   * the machine's core count: the order effects land in depends on it, and a run must replay the
   * same on any machine.
   */
  threads?: number;
};

type ChaosOptions = {
  crashes?: ContainerCrash[];
  /** Share of the state machine's Lambda task calls answered with Lambda.ServiceException (seeded). */
  sfnLambdaFailureRate?: number;
};

export const LOCAL_ACCOUNT = '000000000000';
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };
