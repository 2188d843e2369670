import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { IoTClient } from '@aws-sdk/client-iot';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '../functions/rollout-harness';
import { startDynalite } from '../helpers/dynalite';
import { lambdaContext } from '../helpers/lambda';
import { rolloutApiCases } from './cases-http';
import { prototypePolluted } from './corpus';

// rollout-api on dynalite: every bad request gets a 4xx with a typed error name; nothing is
// written, no execution starts, no task token is used.
const mocks = [
  mockClient(IoTClient),
  mockClient(SFNClient),
  mockClient(EventBridgeClient),
  mockClient(SNSClient),
];
const ERROR_NAMES = [
  'InvalidPlanError',
  'InvalidRequestError',
  'ForbiddenActionError',
  'RolloutNotFoundError',
  'NotFound',
];
type Response = { statusCode: number; body: string };
let db: Awaited<ReturnType<typeof startDynalite>>;
let docs: DynamoDBDocumentClient;
let api: (event: unknown, context: unknown) => Promise<Response>;

beforeAll(async () => {
  db = await startDynalite();
  docs = DynamoDBDocumentClient.from(db.client);
  Object.assign(process.env, ENV, { AWS_ENDPOINT_URL_DYNAMODB: db.endpoint });
  ({ handler: api } = (await import('../../functions/rollout-api')) as unknown as { handler: typeof api });
});
afterAll(() => db.close());

describe('rollout-api: bad requests', () => {
  it('answers every bad request with a 4xx and a typed error, and changes nothing', async () => {
    const cases = rolloutApiCases();
    for (const c of cases) {
      const response = await api(c.event, lambdaContext('rollout-api'));
      expect(c.status, `${c.label}: ${response.statusCode} ${response.body?.slice(0, 200)}`).toContain(
        response.statusCode,
      );
      const body = JSON.parse(response.body) as { error: string; message: string };
      expect(ERROR_NAMES, c.label).toContain(body.error);
      expect(body.message.length, c.label).toBeLessThan(5_000);
    }
    for (const m of mocks) expect(m.calls()).toHaveLength(0);
    for (const table of ['AuditTable', 'StateTable']) {
      expect((await docs.send(new ScanCommand({ TableName: table }))).Items ?? [], table).toEqual([]);
    }
    expect(prototypePolluted()).toBe(false);
    console.info(`rollout-api: ${cases.length} bad requests`);
  });
});
