import { InvalidInputError } from '../errors';
import type * as z from '../zod';

/** Largest message body any entry point accepts; AWS IoT rule payloads are capped at 128 KB anyway. */
const MAX_BODY_BYTES = 128 * 1024;

/** Parses a JSON message body against a schema; every problem becomes a typed, readable error. */
export function parseJsonBody<S extends z.ZodMiniType>(body: string, schema: S, what: string): z.infer<S> {
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
    const issues = summarizeIssues(result.error);
    throw new InvalidInputError(`${what}: ${issues.join('; ')}`, issues);
  }
  return result.data;
}

/** Issues kept per rejection: a 10,000-element input must not make a 400 KB audit record. */
const MAX_ISSUES = 20;
const MAX_ISSUE_CHARS = 200;

/** Readable `path: message` lines, at most MAX_ISSUES of them and each short, plus a count of the rest. */
export function summarizeIssues(error: z.core.$ZodError): string[] {
  const lines = error.issues
    .slice(0, MAX_ISSUES)
    .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`.slice(0, MAX_ISSUE_CHARS));
  const more = error.issues.length - MAX_ISSUES;
  return more > 0 ? [...lines, `... and ${more} more`] : lines;
}

/** JSON text of anything, never throwing: input nested deeper than the stack allows becomes a marker. */
export function safeJson(value: unknown): string {
  try {
    return String(JSON.stringify(value) ?? '');
  } catch (error) {
    return `(unserializable input: ${(error as Error).name})`;
  }
}
