import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2WithIAMAuthorizer } from 'aws-lambda';
import type { TransactItems, TransactWriter } from '../../shared/adapters/rollout-transact';
import { parseJobId } from '../../shared/domain/rollout/ids';
import { outcomeOf } from '../../shared/domain/rollout/job-event';
import { FUNCTION_TEST_ENV } from '../helpers/function-env';

/**
 * dynalite has no TransactWriteItems: this applies the items one by one with their conditions, checking
 * every condition first so a failed one leaves nothing written (enough for sequential tests).
 */
export function sequentialTransactWriter(client: DynamoDBDocumentClient): TransactWriter {
  return async (items: TransactItems) => {
    const reasons: { Code: string }[] = [];
    for (const item of items) {
      const op = item.Put ?? item.Update;
      if (!op) throw new Error('only Put and Update are emulated');
      const key = item.Put ? { pk: item.Put.Item?.pk, sk: item.Put.Item?.sk } : item.Update?.Key;
      const { Item } = await client.send(
        new GetCommand({ TableName: op.TableName, Key: key, ConsistentRead: true }),
      );
      const cond = op.ConditionExpression ?? '';
      const values = op.ExpressionAttributeValues ?? {};
      const ok =
        cond === 'attribute_not_exists(pk)'
          ? !Item
          : cond === 'attribute_exists(pk)'
            ? Boolean(Item)
            : cond === 'attribute_exists(pk) AND jobId = :job'
              ? Item?.jobId === values[':job']
              : Boolean(Item) && Item?.at === values[':at'] && Item?.eventId === values[':id'];
      reasons.push({ Code: ok ? 'None' : 'ConditionalCheckFailed' });
    }
    if (reasons.some((r) => r.Code !== 'None')) {
      throw Object.assign(new Error('Transaction cancelled'), {
        name: 'TransactionCanceledException',
        CancellationReasons: reasons,
      });
    }
    for (const item of items) {
      if (item.Put) await client.send(new PutCommand({ TableName: item.Put.TableName, Item: item.Put.Item }));
      if (item.Update) {
        const { ConditionExpression: _c, ...update } = item.Update;
        // The condition's own value goes with it (DynamoDB refuses a value no expression uses).
        const { ':job': _job, ...values } = update.ExpressionAttributeValues ?? {};
        await client.send(
          new UpdateCommand({ ...update, ExpressionAttributeValues: values } as ConstructorParameters<
            typeof UpdateCommand
          >[0]),
        );
      }
    }
  };
}

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
