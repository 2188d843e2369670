/** An error as AWS returns it. `queryCode` is the awsQuery code for query-compatible services. */
export class AwsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
    readonly queryCode?: string,
  ) {
    super(message);
    this.name = code;
  }
}

type ErrorTraits = { error?: string; httpError?: number; awsQueryError?: [string, number] };

/**
 * An error exactly as the service's model declares it (the SDK's `<Name>$` error schema): its HTTP
 * status and, for query-compatible services, its awsQuery code.
 */
export function modelledError(sdk: Record<string, unknown>, name: string, message: string): AwsError {
  const schema = sdk[`${name}$`];
  const traits = (Array.isArray(schema) ? schema[3] : undefined) as ErrorTraits | undefined;
  const [queryCode, queryStatus] = traits?.awsQueryError ?? [name, undefined];
  const status = traits?.httpError ?? queryStatus ?? (traits?.error === 'server' ? 500 : 400);
  return new AwsError(name, message, status, queryCode);
}
