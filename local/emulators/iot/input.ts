import { invalidRequest } from './errors';
import type { Attributes, Json } from './model';

/** A parsed request: path labels, query string and JSON body. */
export interface Request {
  labels: Record<string, string>;
  query: URLSearchParams;
  body: Json;
}

export function label(req: Request, name: string): string {
  const v = req.labels[name];
  if (v === undefined || v === '') throw invalidRequest(`${name} is required`);
  return v;
}

export function optString(obj: Json, key: string): string | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw invalidRequest(`${key} must be a string`);
  return v;
}

export function optNumber(obj: Json, key: string): number | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw invalidRequest(`${key} must be a number`);
  return v;
}

export function optBool(obj: Json, key: string): boolean | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw invalidRequest(`${key} must be a boolean`);
  return v;
}

export function optObject(obj: Json, key: string): Json | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) throw invalidRequest(`${key} must be an object`);
  return v as Json;
}

export function optAttributes(obj: Json | undefined, key: string): Attributes | undefined {
  const raw = obj === undefined ? undefined : optObject(obj, key);
  if (raw === undefined) return undefined;
  const out: Attributes = {};
  for (const [k, v] of Object.entries(raw)) {
    if (typeof v !== 'string') throw invalidRequest(`attribute ${k} must be a string`);
    out[k] = v;
  }
  return out;
}

export function queryInt(req: Request, key: string, min: number, max: number): number | undefined {
  const raw = req.query.get(key);
  if (raw === null) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw invalidRequest(`${key} must be an integer between ${min} and ${max}`);
  }
  return n;
}

export const queryBool = (req: Request, key: string): boolean => req.query.get(key) === 'true';

/** Offset-based pagination with an opaque token, as AWS list APIs expose it. */
export function paginate<T>(items: T[], req: Request, maxLimit: number): { page: T[]; nextToken?: string } {
  const max = queryInt(req, 'maxResults', 1, maxLimit) ?? maxLimit;
  const token = req.query.get('nextToken');
  let start = 0;
  if (token !== null) {
    start = Number(Buffer.from(token, 'base64url').toString('utf8'));
    if (!Number.isInteger(start) || start < 0) throw invalidRequest('invalid nextToken');
  }
  const page = items.slice(start, start + max);
  const next =
    start + max < items.length ? Buffer.from(String(start + max)).toString('base64url') : undefined;
  return next === undefined ? { page } : { page, nextToken: next };
}
