import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';

/** A Lambda context with a minute left, as a fresh invocation of a 60 s function has. */
export function lambdaContext(functionName: string): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: `req-${Math.random().toString(16).slice(2)}`,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'test',
    getRemainingTimeInMillis: () => 60_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** An SQS event as Lambda delivers it, one record per body; `offset` keeps ids unique across batches. */
export function sqsEvent(bodies: string[], receiveCount = 1, offset = 0): SQSEvent {
  return {
    Records: bodies.map(
      (body, i): SQSRecord => ({
        messageId: `msg-${offset + i}-${body.length}`,
        receiptHandle: `rh-${offset + i}`,
        body,
        attributes: {
          ApproximateReceiveCount: String(receiveCount),
          SentTimestamp: '1767225600000',
          SenderId: 'AIDAIOT',
          ApproximateFirstReceiveTimestamp: '1767225600001',
        },
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:assign-groups',
        awsRegion: 'us-east-1',
      }),
    ),
  };
}
