import { AwsError } from '../common/json-rpc';

/** Model-constraint checks answered the way AWS JSON services do: ValidationException, HTTP 400. */
export function invalid(path: string, value: unknown, constraint: string): AwsError {
  const shown = typeof value === 'string' ? value : JSON.stringify(value);
  return new AwsError(
    'ValidationException',
    `1 validation error detected: Value '${shown}' at '${path}' failed to satisfy constraint: ${constraint}`,
  );
}

export interface StringRule {
  required?: boolean;
  min?: number;
  max?: number;
  pattern?: RegExp;
}

export function checkString(value: unknown, path: string, rule: StringRule): string | undefined {
  if (value === undefined || value === null) {
    if (rule.required) throw invalid(path, null, 'Member must not be null');
    return undefined;
  }
  if (typeof value !== 'string') throw new AwsError('SerializationException', `${path} must be a string`);
  if (rule.min !== undefined && value.length < rule.min) {
    throw invalid(path, value, `Member must have length greater than or equal to ${rule.min}`);
  }
  if (rule.max !== undefined && value.length > rule.max) {
    throw invalid(path, value, `Member must have length less than or equal to ${rule.max}`);
  }
  if (rule.pattern && !rule.pattern.test(value)) {
    throw invalid(path, value, `Member must satisfy regular expression pattern: ${rule.pattern.source}`);
  }
  return value;
}

export function checkInt(value: unknown, path: string, min: number, max: number): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new AwsError('SerializationException', `${path} must be an integer`);
  }
  if (value < min) throw invalid(path, value, `Member must have value greater than or equal to ${min}`);
  if (value > max) throw invalid(path, value, `Member must have value less than or equal to ${max}`);
  return value;
}

export function checkList(value: unknown, path: string, min: number, max: number): unknown[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw new AwsError('SerializationException', `${path} must be a list`);
  if (value.length < min)
    throw invalid(path, value, `Member must have length greater than or equal to ${min}`);
  if (value.length > max) throw invalid(path, value, `Member must have length less than or equal to ${max}`);
  return value;
}

export function checkEnum<T extends string>(value: unknown, path: string, values: readonly T[]): T {
  if (typeof value !== 'string' || !(values as readonly string[]).includes(value)) {
    throw invalid(path, value ?? null, `Member must satisfy enum value set: [${values.join(', ')}]`);
  }
  return value as T;
}

export function asObject(value: unknown, path: string): Record<string, unknown> | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new AwsError('SerializationException', `${path} must be an object`);
  }
  return value as Record<string, unknown>;
}
