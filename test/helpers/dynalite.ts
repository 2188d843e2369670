import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createLocalDynamoDb } from '../../local/emulators/dynamodb/server';
import { loadPackagedTemplate, tableDefinitions } from '../../local/template';

export const TEST_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };

/**
 * The local stack's DynamoDB (dynalite behind the proxy that adds what it lacks, such as transactions
 * and the item a failed condition saw) on 127.0.0.1, with the packaged template's tables named by
 * logical id.
 */
export async function startDynalite(): Promise<{
  endpoint: string;
  client: DynamoDBClient;
  close: () => Promise<void>;
}> {
  const db = await createLocalDynamoDb();
  const endpoint = db.url;
  const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: TEST_CREDENTIALS });
  for (const table of tableDefinitions(loadPackagedTemplate()).values())
    await client.send(new CreateTableCommand(table));
  return { endpoint, client, close: () => db.close() };
}
