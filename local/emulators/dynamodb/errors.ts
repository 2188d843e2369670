export type JsonObject = Record<string, unknown>;

const SERVICE = 'com.amazonaws.dynamodb.v20120810';

/** A DynamoDB error in its JSON 1.0 shape: `{ __type: '<namespace>#<Code>', message, ...extra }`. */
export class DynamoError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
    readonly extra: JsonObject = {},
  ) {
    super(message);
    this.name = type.slice(type.indexOf('#') + 1);
  }

  get code(): string {
    return this.name;
  }

  body(): JsonObject {
    return { __type: this.type, message: this.message, ...this.extra };
  }
}

export const validation = (message: string): DynamoError =>
  new DynamoError('com.amazon.coral.validate#ValidationException', message);

export const serviceError = (code: string, message: string, status = 400, extra: JsonObject = {}) =>
  new DynamoError(`${SERVICE}#${code}`, message, status, extra);

/** Wraps an error body answered by dynalite, keeping its `__type` as is. */
export function fromBody(status: number, body: JsonObject): DynamoError {
  const type = typeof body.__type === 'string' ? body.__type : `${SERVICE}#InternalServerError`;
  const message = typeof body.message === 'string' ? body.message : '';
  return new DynamoError(type, message, status);
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
