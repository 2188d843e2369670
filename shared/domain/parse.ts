import type { z } from 'zod';
import { InvalidInputError } from '../errors';

/** Largest message body any entry point accepts; AWS IoT rule payloads are capped at 128 KB anyway. */
export const MAX_BODY_BYTES = 128 * 1024;

/** Parses a JSON message body against a schema; every problem becomes a typed, readable error. */
export function parseJsonBody<S extends z.ZodType>(body: string, schema: S, what: string): z.infer<S> {
  if (Buffer.byteLength(body, 'utf8') > MAX_BODY_BYTES) {
    throw new InvalidInputError(`${what}: body is over ${MAX_BODY_BYTES} bytes`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch {
    throw new InvalidInputError(`${what}: body is not JSON`);
  }
  const result = schema.safeParse(raw);
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new InvalidInputError(`${what}: ${issues.join('; ')}`, issues);
  }
  return result.data;
}
