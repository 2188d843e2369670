export { type BetaPrior, type Bounds, confidenceBounds, logMixtureRatio } from './confidence-sequence';
export { InvalidGateInputError, InvalidGatePolicyError } from './errors';
export {
  calibrationHorizon,
  crossingProbability,
  haltAlpha,
  haltBoundary,
  MAX_CALIBRATED_HORIZON,
} from './finite-horizon';
export { evaluateGate, sequentialTest } from './gate';
export { failuresToHalt, finishedToPromote, type HaltRow, haltTable } from './halt-table';
export {
  awsAbortConfigGate,
  fixedSampleWilsonGate,
  hawkbitThresholdGate,
  PEER_GATES,
  wilsonInterval,
} from './peers';
export { DEFAULT_GATE_POLICY, resolveGatePolicy, validateGatePolicy } from './policy';
export { mixingPrior } from './prior';
export * from './types';
