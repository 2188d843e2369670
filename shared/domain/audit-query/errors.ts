import { AppError } from '../../errors';

/** The selectors or time bounds of an audit query are malformed or do not go together. */
export class AuditFilterError extends AppError {
  override readonly name = 'AuditFilterError';
}

/** A fleet indexing query picks the things itself: it cannot be combined with another subject. */
export class QueryWithSelectorsError extends AppError {
  override readonly name = 'QueryWithSelectorsError';
}

/**
 * A fleet indexing query matches more things than allowed: each thing costs one Query, so the
 * search is refused, never cut short. `max` is the limit asked for, `ceiling` the most one may ask.
 */
export class QueryTooBroadError extends AppError {
  override readonly name = 'QueryTooBroadError';
  constructor(
    readonly max: number,
    readonly ceiling: number,
  ) {
    super(`the query matches more than ${max} things`);
  }
}

/** AWS does not know the tunnel (any more: it forgets closed ones), so its thing is unknown. */
export class AuditTunnelNotFoundError extends AppError {
  override readonly name = 'AuditTunnelNotFoundError';
  constructor(readonly tunnelId: string) {
    super(`tunnel ${tunnelId} not found`);
  }
}

/** A subject named without time or action filters has no record at all: most likely a wrong name. */
export class NoAuditRecordsError extends AppError {
  override readonly name = 'NoAuditRecordsError';
  constructor(readonly subject: { type: 'thing' | 'rollout' | 'tunnel'; id: string }) {
    super(`no audit records for ${subject.type} ${subject.id}`);
  }
}
