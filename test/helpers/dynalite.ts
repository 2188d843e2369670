import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { loadPackagedTemplate, tableDefinitions } from '../../local/template';

export const TEST_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };

/** An in-memory DynamoDB on 127.0.0.1 with the packaged template's tables, named by logical id. */
export async function startDynalite(): Promise<{
  endpoint: string;
  client: DynamoDBClient;
  close: () => Promise<void>;
}> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: TEST_CREDENTIALS });
  for (const table of tableDefinitions(loadPackagedTemplate()).values())
    await client.send(new CreateTableCommand(table));
  return { endpoint, client, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
