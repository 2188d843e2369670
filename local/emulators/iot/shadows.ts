import { refreshThing } from './dynamic-membership';
import { IotError, invalidRequest, notFound } from './errors';
import { deltaOf } from './fleet-index';
import type { IotContext, Json } from './model';
import type { ShadowRecord } from './shadow-model';

// The Device Shadow service's REST API (AWS IoT Developer Guide, "Device Shadow REST API"), the parts
// devices and operators use: get, update and delete a classic or named shadow, list named shadows.
const SHADOW_NAME = /^(\$package|[a-zA-Z0-9:_-]{1,64})$/;
/** Device Shadow quotas: 8 KB per shadow document's state. */
const MAX_STATE_BYTES = 8 * 1024;

const conflict = (message: string) => new IotError('ConflictException', 409, message);
const tooLarge = () =>
  new IotError('RequestEntityTooLargeException', 413, 'The payload exceeds the maximum size allowed');

function checkName(shadowName: string): void {
  if (shadowName !== '' && !SHADOW_NAME.test(shadowName))
    throw invalidRequest(`Invalid shadow name ${shadowName}`);
}

const seconds = (ms: number) => Math.floor(ms / 1000);

/** Applies an update section: objects merge, null deletes a key (the shadow's documented semantics). */
function merge(
  target: Json | undefined,
  update: Json,
  meta: Json | undefined,
  at: number,
): { state?: Json; meta?: Json } {
  const state: Json = { ...(target ?? {}) };
  const metadata: Json = { ...(meta ?? {}) };
  for (const [k, v] of Object.entries(update)) {
    if (v === null) {
      delete state[k];
      delete metadata[k];
    } else if (typeof v === 'object' && !Array.isArray(v)) {
      const inner = merge(state[k] as Json | undefined, v as Json, metadata[k] as Json | undefined, at);
      if (inner.state) {
        state[k] = inner.state;
        metadata[k] = inner.meta;
      } else {
        delete state[k];
        delete metadata[k];
      }
    } else {
      state[k] = v;
      metadata[k] = { timestamp: at };
    }
  }
  return Object.keys(state).length > 0 ? { state, meta: metadata } : {};
}

function document(s: ShadowRecord): Json {
  const delta = deltaOf(s.desired, s.reported);
  return {
    state: {
      ...(s.desired ? { desired: s.desired } : {}),
      ...(s.reported ? { reported: s.reported } : {}),
      ...(delta ? { delta } : {}),
    },
    metadata: s.metadata,
    version: s.version,
    timestamp: seconds(s.updatedAt),
  };
}

function shadowsOf(ctx: IotContext, thingName: string): Map<string, ShadowRecord> {
  let map = ctx.state.shadows.get(thingName);
  if (!map) {
    map = new Map();
    ctx.state.shadows.set(thingName, map);
  }
  return map;
}

export function getThingShadow(ctx: IotContext, thingName: string, shadowName: string): Json {
  checkName(shadowName);
  const shadow = ctx.state.shadows.get(thingName)?.get(shadowName);
  if (!shadow) throw notFound(`No shadow exists with name: '${shadowName || thingName}'`);
  return document(shadow);
}

/** UpdateThingShadow: merges desired/reported, checks `version`, returns the accepted document. */
export function updateThingShadow(
  ctx: IotContext,
  thingName: string,
  shadowName: string,
  text: string,
): Json {
  checkName(shadowName);
  let body: Json;
  try {
    body = JSON.parse(text) as Json;
  } catch {
    throw invalidRequest('Payload contains invalid json');
  }
  const state = body?.state;
  if (!state || typeof state !== 'object' || Array.isArray(state))
    throw invalidRequest('Missing required node: state');
  if (Buffer.byteLength(JSON.stringify(state)) > MAX_STATE_BYTES) throw tooLarge();
  const map = shadowsOf(ctx, thingName);
  const current = map.get(shadowName);
  if (typeof body.version === 'number' && current && body.version !== current.version)
    throw conflict('Version conflict');
  const now = ctx.clock.now();
  const at = seconds(now);
  const next: ShadowRecord = {
    ...(current?.reported ? { reported: current.reported } : {}),
    ...(current?.desired ? { desired: current.desired } : {}),
    metadata: { ...(current?.metadata ?? {}) },
    version: (current?.version ?? 0) + 1,
    updatedAt: now,
  };
  for (const section of ['reported', 'desired'] as const) {
    const update = (state as Json)[section];
    if (update === undefined) continue;
    if (update === null) {
      delete next[section];
      delete next.metadata[section];
      continue;
    }
    if (typeof update !== 'object' || Array.isArray(update))
      throw invalidRequest(`State node ${section} must be an object`);
    const merged = merge(next[section], update as Json, next.metadata[section] as Json | undefined, at);
    if (merged.state) {
      next[section] = merged.state;
      next.metadata[section] = merged.meta;
    } else {
      delete next[section];
      delete next.metadata[section];
    }
  }
  map.set(shadowName, next);
  refreshThing(ctx, thingName);
  return { state, metadata: next.metadata, version: next.version, timestamp: at };
}

export function deleteThingShadow(ctx: IotContext, thingName: string, shadowName: string): Json {
  checkName(shadowName);
  const map = ctx.state.shadows.get(thingName);
  const shadow = map?.get(shadowName);
  if (!map || !shadow) throw notFound(`No shadow exists with name: '${shadowName || thingName}'`);
  map.delete(shadowName);
  refreshThing(ctx, thingName);
  return { version: shadow.version, timestamp: seconds(ctx.clock.now()) };
}

export function listNamedShadows(ctx: IotContext, thingName: string): Json {
  const names = [...(ctx.state.shadows.get(thingName)?.keys() ?? [])].filter((n) => n !== '');
  return { results: names, timestamp: seconds(ctx.clock.now()) };
}
