import { crc32 } from 'node:zlib';
import { DeleteCommand, type DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LocalDynamoDb } from '../../local/emulators/dynamodb/server';
import { PK_SK, startWithTable } from './dynamodb-harness';

const TABLE = 'State';
let db: LocalDynamoDb;
let doc: DynamoDBDocumentClient;
beforeEach(async () => {
  ({ db, doc } = await startWithTable(TABLE, PK_SK));
  await doc.send(new PutCommand({ TableName: TABLE, Item: { pk: 'a', sk: 'x', n: 1, tags: ['t'] } }));
});
afterEach(() => db.close());

const failure = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e as { name: string; message: string; Item?: unknown },
  );
// The SDK hands the failed item over as DynamoDB attribute values (the document client does not convert errors).
const OLD = { pk: { S: 'a' }, sk: { S: 'x' }, n: { N: '1' }, tags: { L: [{ S: 't' }] } };
const exists = { ConditionExpression: 'attribute_not_exists(pk)' };

describe('ReturnValuesOnConditionCheckFailure on single-item writes', () => {
  it('ALL_OLD hands back the item a failed PutItem, UpdateItem or DeleteItem condition saw', async () => {
    const key = { pk: 'a', sk: 'x' };
    const writes = [
      new PutCommand({
        TableName: TABLE,
        Item: { ...key, n: 2 },
        ...exists,
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
      new UpdateCommand({
        TableName: TABLE,
        Key: key,
        UpdateExpression: 'SET n = :n',
        ConditionExpression: 'n = :old',
        ExpressionAttributeValues: { ':n': 3, ':old': 9 },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
      new DeleteCommand({
        TableName: TABLE,
        Key: key,
        ...exists,
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    ];
    for (const write of writes) {
      const error = await failure(doc.send(write as PutCommand));
      expect(error?.name).toBe('ConditionalCheckFailedException');
      expect(error?.Item).toEqual(OLD);
    }
  });

  it('NONE, or no parameter, fails without the item; a write that succeeds answers as before', async () => {
    for (const extra of [{ ReturnValuesOnConditionCheckFailure: 'NONE' as const }, {}]) {
      const error = await failure(
        doc.send(new PutCommand({ TableName: TABLE, Item: { pk: 'a', sk: 'x' }, ...exists, ...extra })),
      );
      expect(error?.name).toBe('ConditionalCheckFailedException');
      expect(error?.Item).toBeUndefined();
    }
    const out = await doc.send(
      new PutCommand({
        TableName: TABLE,
        Item: { pk: 'b', sk: 'x' },
        ...exists,
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    expect(out.Attributes).toBeUndefined();
  });

  it('a condition on an absent item fails with no item to hand back', async () => {
    const error = await failure(
      doc.send(
        new UpdateCommand({
          TableName: TABLE,
          Key: { pk: 'none', sk: 'x' },
          UpdateExpression: 'SET n = :n',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':n': 1 },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      ),
    );
    expect(error?.name).toBe('ConditionalCheckFailedException');
    expect(error?.Item).toBeUndefined();
  });

  it('answers the failure with the checksum of the body it sends (x-amz-crc32, which botocore checks)', async () => {
    const res = await fetch(db.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'DynamoDB_20120810.PutItem',
        authorization:
          'AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
        'x-amz-date': '20260101T000000Z',
      },
      body: JSON.stringify({
        TableName: TABLE,
        Item: { pk: { S: 'a' }, sk: { S: 'x' } },
        ConditionExpression: 'attribute_not_exists(pk)',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    });
    const body = Buffer.from(await res.arrayBuffer());
    expect(res.status).toBe(400);
    expect(JSON.parse(body.toString()).Item).toEqual(OLD);
    expect(res.headers.get('x-amz-crc32')).toBe(String(crc32(body)));
    expect(res.headers.get('content-length')).toBe(String(body.length));
  });

  it('refuses a value outside [ALL_OLD, NONE] as AWS does, writing nothing', async () => {
    const error = await failure(
      doc.send(
        new PutCommand({
          TableName: TABLE,
          Item: { pk: 'c', sk: 'x' },
          ReturnValuesOnConditionCheckFailure: 'ALL_NEW' as 'ALL_OLD',
        }),
      ),
    );
    expect(error?.name).toBe('ValidationException');
    expect(error?.message).toMatch(/returnValuesOnConditionCheckFailure.*\[ALL_OLD, NONE\]/);
    const written = await failure(
      doc.send(new PutCommand({ TableName: TABLE, Item: { pk: 'c', sk: 'x' }, ...exists })),
    );
    expect(written).toBeUndefined();
  });
});
