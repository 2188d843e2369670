import { AppError } from '../../errors';

/**
 * A fleet indexing query that AWS IoT would refuse (`InvalidQueryException`), or that uses what the
 * query language does not support (leading wildcards beyond one, special characters, more than 12
 * terms). `position` is the 0-based offset in the query where the problem starts, when known.
 */
export class InvalidFleetQueryError extends AppError {
  override readonly name = 'InvalidFleetQueryError';
  constructor(
    message: string,
    readonly position?: number,
  ) {
    super(message);
  }
}

/**
 * The account's fleet index does not hold a field the query needs (connectivity not indexed, the
 * named shadow not in the indexing filter, …): AWS would answer without the things it should find.
 * `issues` name each field and the setting that indexes it.
 */
export class FleetIndexFieldError extends AppError {
  override readonly name = 'FleetIndexFieldError';
  constructor(
    message: string,
    readonly issues: readonly string[],
  ) {
    super(message);
  }
}
