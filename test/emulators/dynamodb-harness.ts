import {
  type AttributeDefinition,
  CreateTableCommand,
  DynamoDBClient,
  type KeySchemaElement,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Clock } from '../../local/emulators/common/clock';
import { createLocalDynamoDb, type LocalDynamoDb } from '../../local/emulators/dynamodb/server';

/** Partition key `pk` and sort key `sk`, both strings. */
export const PK_SK: { keys: KeySchemaElement[]; attributes: AttributeDefinition[] } = {
  keys: [
    { AttributeName: 'pk', KeyType: 'HASH' },
    { AttributeName: 'sk', KeyType: 'RANGE' },
  ],
  attributes: [
    { AttributeName: 'pk', AttributeType: 'S' },
    { AttributeName: 'sk', AttributeType: 'S' },
  ],
};

/** The local DynamoDB with one on-demand table, and a document client on it. */
export async function startWithTable(
  table: string,
  schema: { keys: KeySchemaElement[]; attributes: AttributeDefinition[] },
  clock?: Clock,
): Promise<{ db: LocalDynamoDb; doc: DynamoDBDocumentClient }> {
  const db = await createLocalDynamoDb(clock ? { clock } : {});
  const client = new DynamoDBClient({
    endpoint: db.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  await client.send(
    new CreateTableCommand({
      TableName: table,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: schema.keys,
      AttributeDefinitions: schema.attributes,
    }),
  );
  return { db, doc: DynamoDBDocumentClient.from(client) };
}
