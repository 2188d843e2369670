import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createLocalDynamoDb } from '../../local/emulators/dynamodb/server';
import { loadPackagedTemplate, tableDefinitions } from '../../local/template';
import { TEST_CREDENTIALS } from './dynalite';

/**
 * The local stack's DynamoDB on 127.0.0.1 with the packaged template's tables, named by logical id:
 * dynalite plus the operations it lacks (TransactWriteItems, TransactGetItems, TTL), for handlers
 * that write in transactions.
 */
export async function startLocalDynamoDb(): Promise<{
  endpoint: string;
  client: DynamoDBClient;
  close: () => Promise<void>;
}> {
  const db = await createLocalDynamoDb();
  const client = new DynamoDBClient({ endpoint: db.url, region: 'us-east-1', credentials: TEST_CREDENTIALS });
  for (const table of tableDefinitions(loadPackagedTemplate()).values())
    await client.send(new CreateTableCommand(table));
  return { endpoint: db.url, client, close: () => db.close() };
}
