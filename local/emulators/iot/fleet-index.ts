import { InvalidFleetQueryError } from '../../../shared/domain/fleet-index/errors';
import type { FleetQuery } from '../../../shared/domain/fleet-index/query-ast';
import { termsOf } from '../../../shared/domain/fleet-index/query-ast';
import { fieldSource } from '../../../shared/domain/fleet-index/query-fields';
import {
  type IndexedShadow,
  type IndexedThing,
  matchesQuery,
} from '../../../shared/domain/fleet-index/query-match';
import { parseFleetQuery } from '../../../shared/domain/fleet-index/query-parse';
import { notEmulatedMessage } from '../common/smithy';
import { invalidQuery, invalidRequest, notFound } from './errors';
import { label, optNumber, optString, type Request } from './input';
import { type IotContext, type Json, type ThingRecord, toSeconds } from './model';
import type { ShadowRecord } from './shadow-model';
import { requireThing } from './things';

export const THINGS_INDEX = 'AWS_Things';
export const QUERY_VERSION = '2017-09-30';
/** SearchIndex: "This maximum number cannot exceed 100" (API reference, maxResults). */
const MAX_RESULTS = 100;

/** Parses a query the way the index does: a syntax problem is InvalidQueryException. */
export function parseIndexQuery(queryString: string): FleetQuery {
  let query: FleetQuery;
  try {
    query = parseFleetQuery(queryString);
  } catch (error) {
    if (error instanceof InvalidFleetQueryError) throw invalidQuery(`Invalid query: ${error.message}`);
    throw error;
  }
  if (termsOf(query).some((t) => fieldSource(t.field).kind === 'device-defender'))
    throw invalidRequest(notEmulatedMessage('Querying Device Defender violations (deviceDefender.*)'));
  return query;
}

const sections = (s: ShadowRecord): IndexedShadow => {
  const delta = deltaOf(s.desired, s.reported);
  return {
    ...(s.reported ? { reported: s.reported } : {}),
    ...(s.desired ? { desired: s.desired } : {}),
    ...(delta ? { delta } : {}),
    hasDelta: delta !== undefined,
  };
};

/** Desired values that reported does not match (the shadow's `delta`); undefined when none. */
export function deltaOf(desired: unknown, reported: unknown): Record<string, unknown> | undefined {
  if (!desired || typeof desired !== 'object' || Array.isArray(desired)) return undefined;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(desired as Json)) {
    const r = reported && typeof reported === 'object' ? (reported as Json)[k] : undefined;
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const inner = deltaOf(v, r);
      if (inner) out[k] = inner;
    } else if (JSON.stringify(v) !== JSON.stringify(r)) out[k] = v;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/**
 * The thing as the AWS_Things index holds it under the current indexing configuration: registry
 * data always, shadows only with REGISTRY_AND_SHADOW (named ones only when listed in the filter),
 * connectivity only with STATUS. Undefined when thing indexing is OFF.
 */
export function thingDocument(ctx: IotContext, thing: ThingRecord): IndexedThing | undefined {
  const cfg = ctx.state.indexing.thing;
  if (cfg.thingIndexingMode === 'OFF') return undefined;
  const shadows = ctx.state.shadows.get(thing.thingName);
  const withShadow = cfg.thingIndexingMode === 'REGISTRY_AND_SHADOW';
  const classic = withShadow ? shadows?.get('') : undefined;
  const names = cfg.namedShadowIndexingMode === 'ON' ? (cfg.filter?.namedShadowNames ?? []) : [];
  const named: Record<string, IndexedShadow> = {};
  if (withShadow)
    for (const [name, s] of shadows ?? []) if (name !== '' && names.includes(name)) named[name] = sections(s);
  const c =
    cfg.thingConnectivityIndexingMode === 'STATUS' ? ctx.state.connectivity.get(thing.thingName) : undefined;
  return {
    thingName: thing.thingName,
    thingId: thing.thingId,
    ...(thing.thingTypeName ? { thingTypeName: thing.thingTypeName } : {}),
    thingGroupNames: [...thing.groups],
    attributes: { ...thing.attributes },
    ...(classic ? { shadow: sections(classic) } : {}),
    ...(Object.keys(named).length > 0 ? { namedShadows: named } : {}),
    ...(c
      ? {
          connectivity: {
            connected: c.connected,
            timestamp: c.timestamp,
            ...(c.disconnectReason ? { disconnectReason: c.disconnectReason } : {}),
          },
        }
      : {}),
  };
}

/** ThingDocument as SearchIndex returns it: `shadow` is a JSON string with the named shadows under `name`. */
function searchResult(doc: IndexedThing): Json {
  const shadow: Json = {};
  if (doc.shadow) Object.assign(shadow, shadowJson(doc.shadow));
  if (doc.namedShadows)
    shadow.name = Object.fromEntries(Object.entries(doc.namedShadows).map(([n, s]) => [n, shadowJson(s)]));
  return {
    thingName: doc.thingName,
    thingId: doc.thingId,
    thingTypeName: doc.thingTypeName,
    thingGroupNames: doc.thingGroupNames,
    attributes: doc.attributes,
    ...(Object.keys(shadow).length > 0 ? { shadow: JSON.stringify(shadow) } : {}),
    ...(doc.connectivity ? { connectivity: doc.connectivity } : {}),
  };
}

const shadowJson = (s: IndexedShadow): Json => ({
  ...(s.reported ? { reported: s.reported } : {}),
  ...(s.desired ? { desired: s.desired } : {}),
  ...(s.delta ? { delta: s.delta } : {}),
  hasDelta: s.hasDelta ?? false,
});

function requireIndex(ctx: IotContext, indexName: string): void {
  if (indexName === 'AWS_ThingGroups')
    throw invalidRequest(notEmulatedMessage('Searching the AWS_ThingGroups index'));
  if (indexName !== THINGS_INDEX) throw notFound(`Index ${indexName} does not exist`);
  if (ctx.state.indexing.thing.thingIndexingMode === 'OFF')
    throw notFound(`Index ${THINGS_INDEX} does not exist: thing indexing is OFF`);
}

/** Every indexed thing that matches, in name order (AWS documents no order; a stable one pages well). */
function searchThings(ctx: IotContext, query: FleetQuery): IndexedThing[] {
  const out: IndexedThing[] = [];
  for (const thing of ctx.state.things.values()) {
    const doc = thingDocument(ctx, thing);
    if (doc && matchesQuery(query, doc)) out.push(doc);
  }
  return out.sort((a, b) => (a.thingName < b.thingName ? -1 : a.thingName > b.thingName ? 1 : 0));
}

/** SearchIndex (POST /indices/search). */
export function searchIndex(ctx: IotContext, req: Request): Json {
  const indexName = optString(req.body, 'indexName') ?? THINGS_INDEX;
  const queryString = optString(req.body, 'queryString');
  if (queryString === undefined || queryString === '') throw invalidRequest('queryString is required');
  const queryVersion = optString(req.body, 'queryVersion') ?? QUERY_VERSION;
  if (queryVersion !== QUERY_VERSION) throw invalidRequest(`Unsupported query version ${queryVersion}`);
  const maxResults = optNumber(req.body, 'maxResults') ?? MAX_RESULTS;
  if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > MAX_RESULTS)
    throw invalidRequest(`maxResults must be between 1 and ${MAX_RESULTS}`);
  requireIndex(ctx, indexName);
  const query = parseIndexQuery(queryString);
  const matches = searchThings(ctx, query);
  const token = optString(req.body, 'nextToken');
  let start = 0;
  if (token !== undefined) {
    start = Number(Buffer.from(token, 'base64url').toString('utf8'));
    if (!Number.isInteger(start) || start < 0) throw invalidRequest('invalid nextToken');
  }
  const page = matches.slice(start, start + maxResults);
  const end = start + maxResults;
  return {
    things: page.map(searchResult),
    thingGroups: [],
    ...(end < matches.length ? { nextToken: Buffer.from(String(end)).toString('base64url') } : {}),
  };
}

/** DescribeIndex (GET /indices/{indexName}): the index is built at once, so always ACTIVE. */
export function describeIndex(ctx: IotContext, req: Request): Json {
  const indexName = label(req, 'indexName');
  requireIndex(ctx, indexName);
  const cfg = ctx.state.indexing.thing;
  const schema = [
    cfg.thingIndexingMode === 'REGISTRY_AND_SHADOW' ? 'REGISTRY_AND_SHADOW' : 'REGISTRY',
    ...(cfg.thingConnectivityIndexingMode === 'STATUS' ? ['CONNECTIVITY_STATUS'] : []),
  ].join('_AND_');
  return { indexName, indexStatus: 'ACTIVE', schema };
}

/** GetThingConnectivityData (POST /things/{thingName}/connectivity-data). */
export function getThingConnectivityData(ctx: IotContext, req: Request): Json {
  const thing = requireThing(ctx, label(req, 'thingName'));
  const c = ctx.state.connectivity.get(thing.thingName);
  return {
    thingName: thing.thingName,
    connected: c?.connected ?? false,
    ...(c ? { timestamp: toSeconds(c.timestamp) } : {}),
    ...(c?.disconnectReason ? { disconnectReason: c.disconnectReason } : {}),
  };
}

/** GetStatistics (POST /indices/statistics): the count of matching things; aggregations are not emulated. */
export function getStatistics(ctx: IotContext, req: Request): Json {
  const indexName = optString(req.body, 'indexName') ?? THINGS_INDEX;
  const queryString = optString(req.body, 'queryString');
  if (queryString === undefined || queryString === '') throw invalidRequest('queryString is required');
  requireIndex(ctx, indexName);
  return { statistics: { count: searchThings(ctx, parseIndexQuery(queryString)).length } };
}
