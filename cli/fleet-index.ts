import type { FleetIndex } from '../shared/adapters/fleet-index';
import { InvalidFleetQueryError } from '../shared/domain/fleet-index/errors';
import { parseFleetQuery } from '../shared/domain/fleet-index/query-parse';
import type { IndexedDocument } from '../shared/domain/fleet-index/thing-summary';
import { CliError, EXIT } from './io';

/** Checks a query before any AWS call: a syntax problem is a usage error (exit 2), placed. */
export function checkQuery(query: string): void {
  try {
    parseFleetQuery(query);
  } catch (error) {
    if (!(error instanceof InvalidFleetQueryError)) throw error;
    throw querySyntaxError(error);
  }
}

/** A query's syntax problem (parseFleetQuery's error) as the CLI reports it. */
export function querySyntaxError(error: InvalidFleetQueryError): CliError {
  return new CliError(
    EXIT.USAGE,
    `invalid fleet indexing query: ${error.message}`,
    'see docs/fleet-indexing.md "Queries"',
  );
}

/** AWS's answers to a search as CLI errors: no index, no permission, a query it refused. */
function searchError(error: unknown): never {
  const e = error as Error;
  if (e instanceof InvalidFleetQueryError)
    throw new CliError(EXIT.USAGE, e.message, 'see docs/fleet-indexing.md "Queries"');
  if (e.name === 'ResourceNotFoundException' || e.name === 'IndexNotReadyException')
    throw new CliError(
      EXIT.NOT_FOUND,
      `the account's fleet index is not available: ${e.message}`,
      'the stack turns thing indexing on when it deploys (docs/fleet-indexing.md); a new index takes a while to build',
    );
  if (e.name === 'AccessDeniedException' || e.name === 'UnauthorizedException')
    throw new CliError(
      EXIT.CONFLICT,
      `the search was refused: ${e.message}`,
      'it needs iot:SearchIndex on index/AWS_Things (docs/deploy.md, operator policy)',
    );
  throw error;
}

/** Every document matching a query, page after page, up to `limit` (undefined: all of them). */
export async function searchAll(
  index: FleetIndex,
  query: string,
  limit: number | undefined,
): Promise<{ things: IndexedDocument[]; more: boolean }> {
  const things: IndexedDocument[] = [];
  let nextToken: string | undefined;
  do {
    const want = limit === undefined ? 100 : Math.min(100, limit - things.length);
    const page = await index.search(query, nextToken, want).catch(searchError);
    things.push(...(page.things as IndexedDocument[]));
    nextToken = page.nextToken;
  } while (nextToken && (limit === undefined || things.length < limit));
  return { things, more: Boolean(nextToken) };
}
