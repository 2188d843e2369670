/**
 * Typed errors with stable names. The names are a contract: logs, audit records and the
 * state machine's Catch blocks match on them, so never rename one casually. Every subclass names
 * itself explicitly: bundles are minified without keepNames, so class names do not survive.
 */
export class AppError extends Error {
  /** True when retrying the same input can succeed (throttling, a busy lease, a 5xx). */
  readonly retryable: boolean = false;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Input from outside (an event, a file, an API call) is malformed; retrying cannot help. */
export class InvalidInputError extends AppError {
  override readonly name = 'InvalidInputError';
  constructor(
    message: string,
    readonly issues: readonly string[] = [],
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Environment variables are missing or malformed at cold start. */
export class ConfigurationError extends AppError {
  override readonly name = 'ConfigurationError';
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration: ${problems.join('; ')}`);
  }
}

/** The grouping rules file is invalid; `problems` name the rules at fault. */
export class InvalidRulesError extends AppError {
  override readonly name = 'InvalidRulesError';
  constructor(readonly problems: readonly string[]) {
    super(`Invalid grouping rules:\n- ${problems.join('\n- ')}`);
  }
}

/** Another invocation holds the thing's lease; the record is retried later by SQS. */
export class ThingBusyError extends AppError {
  override readonly name = 'ThingBusyError';
  override readonly retryable = true;
}
