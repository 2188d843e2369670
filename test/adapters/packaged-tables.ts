import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createLocalDynamoDb, type LocalDynamoDb } from '../../local/emulators/dynamodb/server';
import { loadPackagedTemplate, tableDefinitions } from '../../local/template';
import { TEST_CREDENTIALS } from '../helpers/dynalite';

/**
 * The local DynamoDB (dynalite plus what the local stack adds to it) with the named tables as the
 * packaged template defines them, and a document client on it. Close `db` when done.
 */
export async function startPackagedTables(
  names: string[],
): Promise<{ db: LocalDynamoDb; doc: DynamoDBDocumentClient }> {
  const db = await createLocalDynamoDb();
  const client = new DynamoDBClient({ endpoint: db.url, region: 'us-east-1', credentials: TEST_CREDENTIALS });
  const tables = tableDefinitions(loadPackagedTemplate());
  for (const name of names) {
    const table = tables.get(name);
    if (!table) throw new Error(`the packaged template has no ${name}`);
    await client.send(new CreateTableCommand(table));
  }
  return { db, doc: DynamoDBDocumentClient.from(client) };
}
