import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll } from 'vitest';
import { startDynalite } from './dynalite';
import { setFunctionEnv } from './function-env';

export type BatchHandler = (
  event: unknown,
  context: unknown,
) => Promise<{ batchItemFailures: { itemIdentifier: string }[] }>;

/**
 * The real assign-groups handler on dynalite for a whole test file (IoT and SQS are the file's mocks).
 * Read the fields inside tests: they are set in beforeAll.
 */
export function assignGroupsOnDynalite() {
  const ctx = {} as {
    db: Awaited<ReturnType<typeof startDynalite>>;
    docs: DynamoDBDocumentClient;
    handler: BatchHandler;
  };
  beforeAll(async () => {
    ctx.db = await startDynalite();
    ctx.docs = DynamoDBDocumentClient.from(ctx.db.client);
    setFunctionEnv(ctx.db.endpoint, {
      QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/assign-groups',
      // Pacing is tested on its own; here it would only slow the handler down.
      IOT_MEMBERSHIP_QUOTA_TPS: '10000',
      MAX_CONCURRENCY: '1',
    });
    ({ handler: ctx.handler } = (await import('../../functions/assign-groups')) as unknown as {
      handler: BatchHandler;
    });
  });
  afterAll(() => ctx.db.close());
  return ctx;
}
