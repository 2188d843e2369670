import { AppError } from '../../errors';

/** The stage policy is invalid; `issues` lists every problem found, one per field. */
export class InvalidGatePolicyError extends AppError {
  // Explicit so that minified bundles keep the name the state machine and audit match on.
  override readonly name = 'InvalidGatePolicyError';
  constructor(readonly issues: readonly string[]) {
    super(`Invalid gate policy: ${issues.join('; ')}`);
  }
}

/** The stage counts or times handed to the gate are inconsistent (a bug upstream, not bad luck). */
export class InvalidGateInputError extends AppError {
  override readonly name = 'InvalidGateInputError';
  constructor(readonly issues: readonly string[]) {
    super(`Invalid gate input: ${issues.join('; ')}`);
  }
}
