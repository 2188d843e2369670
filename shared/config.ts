import { ConfigurationError } from './errors';
import * as z from './zod';

/**
 * Reads a function's configuration from the environment once, at cold start. Every missing or
 * malformed variable is named in one error, so a bad deployment says everything that is wrong.
 */
export function loadConfig<S extends z.ZodMiniObject>(
  schema: S,
  env: Record<string, string | undefined>,
): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return Object.freeze(result.data) as z.infer<S>;
  const problems = result.error.issues.map((issue) => {
    const name = issue.path.join('.');
    return env[name] === undefined ? `${name} is not set` : `${name}: ${issue.message}`;
  });
  throw new ConfigurationError(problems);
}

export const tableName = z
  .string()
  .check(z.regex(/^[a-zA-Z0-9_.-]{3,255}$/, 'must be a DynamoDB table name'));
/** An EventBridge bus name (EventBridge API Reference, PutEvents: EventBusName, 1 to 256 characters). */
export const eventBusName = z.string().check(z.minLength(1), z.maxLength(256));
/** A whole number from an environment variable (text), at most `max`. */
export const positiveInt = (max: number) =>
  z.pipe(z.coerce.number(), z.int().check(z.positive(), z.lte(max)));

/** Every function that writes audit records needs these. */
export const auditConfigSchema = z.object({
  AUDIT_TABLE_NAME: tableName,
  AUDIT_RETENTION_DAYS: positiveInt(3650),
});
