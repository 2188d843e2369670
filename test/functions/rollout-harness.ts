import type { APIGatewayProxyEventV2WithIAMAuthorizer } from 'aws-lambda';
import { parseJobId } from '../../shared/domain/rollout/ids';
import { outcomeOf } from '../../shared/domain/rollout/job-event';
import { FUNCTION_TEST_ENV } from '../helpers/function-env';

export const ENV = {
  ...FUNCTION_TEST_ENV,
  STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:123456789012:stateMachine:staged-rollout',
  TOKENS_TABLE_NAME: 'TaskTokensTable',
};

/** `$$.Execution.Id` of the execution the rollout API starts for a rollout (named after it). */
export const executionOf = (rolloutId: string) =>
  `arn:aws:states:us-east-1:123456789012:execution:staged-rollout:${rolloutId}`;

/** StartExecution as Step Functions answers it: the execution named after the rollout. */
export const startedExecution = (input: { name: string }) => ({
  executionArn: executionOf(input.name),
  startDate: new Date(),
});

/** The rollout's creator and a second person, as IAM users of the test account. */
export const ALICE = 'arn:aws:iam::123456789012:user/alice';
export const BOB = 'arn:aws:iam::123456789012:user/bob';

let requests = 0;

/** An HTTP API (payload 2.0) request signed by `principal`. */
export function apiRequest(
  routeKey: string,
  principal: string,
  options: { id?: string; body?: unknown; at?: number } = {},
): APIGatewayProxyEventV2WithIAMAuthorizer {
  requests += 1;
  const [method = 'GET', path = '/'] = routeKey.split(' ');
  return {
    version: '2.0',
    routeKey,
    rawPath: path.replace('{id}', options.id ?? ''),
    rawQueryString: '',
    headers: { 'content-type': 'application/json' },
    isBase64Encoded: false,
    body:
      options.body === undefined
        ? undefined
        : typeof options.body === 'string'
          ? options.body
          : JSON.stringify(options.body),
    pathParameters: options.id ? { id: options.id } : undefined,
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      domainName: 'api.example',
      domainPrefix: 'api',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' },
      requestId: `req-${requests}`,
      routeKey,
      stage: '$default',
      time: '',
      timeEpoch: options.at ?? 1_767_225_600_000 + requests,
      authorizer: {
        iam: {
          accessKey: 'AKIA',
          accountId: '123456789012',
          callerId: 'AIDA',
          cognitoIdentity: null as never,
          principalOrgId: null as never,
          userArn: principal,
          userId: 'AIDA',
        },
      },
    },
  } as APIGatewayProxyEventV2WithIAMAuthorizer;
}

/** A `JobExecutionTerminal` event as the bus delivers it to the tracker (the bridge names the stage). */
export function terminalEvent(
  jobId: string,
  thing: string,
  status: string,
  at: number,
  eventId = `${jobId}-${thing}-${status}-${at}`,
) {
  const outcome = outcomeOf(status);
  if (!outcome) throw new Error(`${status} is not terminal`);
  const owner = parseJobId(jobId);
  return {
    version: '0',
    id: `bus-${eventId}`,
    'detail-type': 'JobExecutionTerminal',
    source: 'fleet-autopilot',
    account: '123456789012',
    time: new Date(at).toISOString(),
    region: 'us-east-1',
    resources: [],
    detail: {
      eventId,
      jobId,
      thingName: thing,
      thingArn: `arn:aws:iot:us-east-1:123456789012:thing/${thing}`,
      status,
      outcome,
      at,
      ...(owner ? { rolloutId: owner.rolloutId, stageIndex: owner.stageIndex } : {}),
    },
  };
}
