/** An AWS IoT error as the REST-JSON protocol carries it: name in x-amzn-errortype, status, JSON body. */
export class IotError extends Error {
  constructor(
    override readonly name: string,
    readonly status: number,
    message: string,
    readonly extra: Record<string, string> = {},
  ) {
    super(message);
  }

  body(): Record<string, string> {
    return { message: this.message, ...this.extra };
  }
}

export const invalidRequest = (message: string): IotError =>
  new IotError('InvalidRequestException', 400, message);

export const notFound = (message: string): IotError =>
  new IotError('ResourceNotFoundException', 404, message);

export const alreadyExists = (message: string, resourceId: string, resourceArn: string): IotError =>
  new IotError('ResourceAlreadyExistsException', 409, message, { resourceId, resourceArn });

export const invalidTransition = (message: string): IotError =>
  new IotError('InvalidStateTransitionException', 409, message);

export const versionConflict = (message: string): IotError =>
  new IotError('VersionConflictException', 409, message);

export const limitExceeded = (message: string): IotError =>
  new IotError('LimitExceededException', 410, message);

/** The control-plane model declares ThrottlingException as 400; the jobs data-plane model as 429. */
export const throttling = (status: 400 | 429): IotError =>
  new IotError('ThrottlingException', status, 'Rate exceeded');

export const serviceUnavailable = (): IotError =>
  new IotError('ServiceUnavailableException', 503, 'Service is unavailable, please retry');

export const internalFailure = (): IotError =>
  new IotError('InternalFailureException', 500, 'An internal failure occurred, please retry');

/** SearchIndex / CreateDynamicThingGroup: the query does not parse or breaks a query-language limit. */
export const invalidQuery = (message: string): IotError =>
  new IotError('InvalidQueryException', 400, message);
