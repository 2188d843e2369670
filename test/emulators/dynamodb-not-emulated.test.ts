import { TransactGetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LocalDynamoDb } from '../../local/emulators/dynamodb/server';
import { PK_SK, startWithTable } from './dynamodb-harness';

let db: LocalDynamoDb;
let doc: Awaited<ReturnType<typeof startWithTable>>['doc'];
beforeEach(async () => {
  ({ db, doc } = await startWithTable('Tbl', PK_SK));
});
afterEach(() => db.close());

// The proxy's own transactions compute no capacity: asking for it is refused by name, not ignored.
describe('DynamoDB proxy operations and what they do not emulate', () => {
  it('refuses ReturnConsumedCapacity and ReturnItemCollectionMetrics other than NONE, writing nothing', async () => {
    const put = { Put: { TableName: 'Tbl', Item: { pk: 'a', sk: 'x' } } };
    await expect(
      doc.send(new TransactWriteCommand({ TransactItems: [put], ReturnConsumedCapacity: 'TOTAL' })),
    ).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringMatching(/ReturnConsumedCapacity TOTAL of TransactWriteItems is not emulated/),
    });
    await expect(
      doc.send(new TransactWriteCommand({ TransactItems: [put], ReturnItemCollectionMetrics: 'SIZE' })),
    ).rejects.toMatchObject({ name: 'ValidationException' });
    const get = { Get: { TableName: 'Tbl', Key: { pk: 'a', sk: 'x' } } };
    expect((await doc.send(new TransactGetCommand({ TransactItems: [get] }))).Responses).toEqual([{}]);
    await doc.send(new TransactWriteCommand({ TransactItems: [put], ReturnConsumedCapacity: 'NONE' }));
    const got = await doc.send(new TransactGetCommand({ TransactItems: [get] }));
    expect(got.Responses?.[0]?.Item).toEqual({ pk: 'a', sk: 'x' });
  });
});
