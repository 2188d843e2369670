export {
  ALWAYS_ACTIVE,
  awsCron,
  type JobSchedule,
  jobActiveTime,
  type MaintenanceWindow,
} from './active-time';
export { type BetaPrior, type Bounds, confidenceBounds, logMixtureRatio } from './confidence-sequence';
export { InvalidGateInputError, InvalidGatePolicyError } from './errors';
export {
  calibrationHorizon,
  crossingProbability,
  haltAlpha,
  haltBoundary,
  MAX_CALIBRATED_HORIZON,
} from './finite-horizon';
export {
  evaluateGate,
  exposedToPromote,
  failuresToHaltAt,
  gateLevels,
  maxFailuresToPromoteAt,
  sequentialTest,
} from './gate';
export { failuresToHalt, finishedToPromote, type HaltRow, haltTable } from './halt-table';
export { DEFAULT_GATE_POLICY, MIN_FAILURE_THRESHOLD, resolveGatePolicy, validateGatePolicy } from './policy';
export {
  appendStartPoint,
  fewestFailuresThatHalt,
  haltingPrefix,
  type Prefix,
  prefixesOf,
  type StartPoint,
} from './prefix';
export { mixingPrior } from './prior';
export * from './types';
