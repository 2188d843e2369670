import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../local/emulators/common/clock';
import { FaultInjector, RateLimiter } from '../../local/emulators/common/limits';
import { seededRandom } from '../../local/emulators/common/random';
import {
  createAwsSdkIntegration,
  createStepFunctionsEmulator,
  type StepFunctionsIntegrations,
} from '../../local/emulators/stepfunctions';
import { serveStepFunctions } from '../../local/emulators/stepfunctions/server';

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`../fixtures/asl/${name}.asl.json`, import.meta.url), 'utf8')) as object;
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const listen = async (server: Server) => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
};

type Dynalite = (options: { createTableMs: number }) => Server;
const dynalite = createRequire(import.meta.url)('dynalite') as Dynalite;
const dynamoServer = dynalite({ createTableMs: 0 });
let dynamoDb: DynamoDBClient;
const closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  dynamoDb = new DynamoDBClient({ endpoint: await listen(dynamoServer), region: 'us-east-1', credentials });
  await dynamoDb.send(
    new CreateTableCommand({
      TableName: 'audit',
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  closers.push(() => new Promise((resolve) => dynamoServer.close(() => resolve())));
});
afterAll(async () => {
  for (const close of closers.splice(0)) await close();
});

async function setup(machine: string, integrations: StepFunctionsIntegrations) {
  const clock = new VirtualClock();
  const sfn = createStepFunctionsEmulator({
    clock,
    limiter: new RateLimiter(clock, {}),
    faults: new FaultInjector(seededRandom(1)),
    integrations: { dynamoDb, ...integrations },
  });
  const server = await serveStepFunctions(sfn);
  closers.push(server.close);
  const client = new SFNClient({ endpoint: server.endpoint, region: 'us-east-1', credentials });
  const stateMachineArn = sfn.registerStateMachine(machine, fixture(machine));
  return async (input: object) => {
    const { executionArn } = await client.send(
      new StartExecutionCommand({ stateMachineArn, input: JSON.stringify(input) }),
    );
    await sfn.settle();
    const described = await client.send(new DescribeExecutionCommand({ executionArn }));
    const { events = [] } = await client.send(new GetExecutionHistoryCommand({ executionArn }));
    return { ...described, json: JSON.parse(described.output ?? 'null'), types: events.map((e) => e.type) };
  };
}

class ResourceAlreadyExistsException extends Error {
  override name = 'ResourceAlreadyExistsException';
}

describe('Step Functions emulator: service integrations', () => {
  it('maps aws-sdk:iot errors to Iot.<Name> and DynamoDB errors to DynamoDB.<Name> for Catch', async () => {
    const calls: unknown[][] = [];
    const jobs = new Set<string>();
    const run = await setup('sfn-integrations', {
      awsSdk: async (service, action, params) => {
        calls.push([service, action, params]);
        const id = String(params.JobId);
        if (jobs.has(id)) throw new ResourceAlreadyExistsException(`Job ${id} already exists`);
        jobs.add(id);
        return { JobId: id, JobArn: `arn:aws:iot:us-east-1:000000000000:job/${id}` };
      },
    });
    const input = { jobId: 'stage-1', targets: ['arn:aws:iot:us-east-1:000000000000:thing/t1'] };
    const first = await run(input);
    expect(first.status).toBe('SUCCEEDED');
    expect(first.json.job).toEqual({ jobId: 'stage-1' });
    expect(calls[0]).toEqual([
      'iot',
      'createJob',
      { JobId: 'stage-1', Targets: input.targets, Document: '{}' },
    ]);
    const second = await run(input);
    expect(second.status).toBe('SUCCEEDED');
    expect(second.json.jobError.Error).toBe('Iot.ResourceAlreadyExistsException');
    expect(second.json.recordError.Error).toBe('DynamoDB.ConditionalCheckFailedException');
  });

  it('forwards bare Lambda ARNs raw, EventBridge PutEvents and SNS Publish to the integrations', async () => {
    const put: unknown[] = [];
    const run = await setup('sfn-forwarding', {
      invokeLambda: async (fn) => ({ verdict: `go from ${fn}` }),
      putEvents: async (params) => {
        put.push(params);
        return { Entries: [{ EventId: 'e1' }], FailedEntryCount: 0 };
      },
      snsPublish: async (params) => ({ MessageId: `m:${String(params.Message)}` }),
    });
    const out = await run({});
    const fn = 'arn:aws:lambda:us-east-1:000000000000:function:decide';
    expect(out.json).toEqual({
      decision: { verdict: `go from ${fn}` },
      events: { Entries: [{ EventId: 'e1' }], FailedEntryCount: 0 },
      sns: { id: `m:go from ${fn}` },
    });
    expect(put).toEqual([
      { Entries: [{ Source: 'fleet-autopilot', DetailType: 'Decided', Detail: out.json.decision }] },
    ]);
    expect(out.types.slice(1, 5)).toEqual([
      'TaskStateEntered',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionSucceeded',
    ]);
  });

  it('default awsSdk runs the real IoT SDK command with camelCase input and PascalCase output', async () => {
    const seen: { url?: string; body: unknown }[] = [];
    const iot = createServer(async (req, res) => {
      let body = '';
      for await (const chunk of req) body += chunk;
      seen.push({ url: req.url, body: JSON.parse(body) });
      if (req.url === '/jobs/dup') {
        res.writeHead(409, {
          'content-type': 'application/json',
          'x-amzn-errortype': 'ResourceAlreadyExistsException',
        });
        return res.end(JSON.stringify({ message: 'Job dup already exists' }));
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ jobArn: 'arn:aws:iot:us-east-1:000000000000:job/j1', jobId: 'j1' }));
    });
    closers.push(() => new Promise((resolve) => iot.close(() => resolve())));
    const awsSdk = createAwsSdkIntegration({ endpoint: await listen(iot), region: 'us-east-1', credentials });
    const params = {
      JobId: 'j1',
      Targets: ['arn:aws:iot:us-east-1:000000000000:thing/t1'],
      Document: '{}',
      TimeoutConfig: { InProgressTimeoutInMinutes: 30 },
      DocumentParameters: { FirmwareUrl: 'https://example.com/fw' },
    };
    expect(await awsSdk('iot', 'createJob', params)).toEqual({
      JobArn: 'arn:aws:iot:us-east-1:000000000000:job/j1',
      JobId: 'j1',
    });
    expect(seen[0]).toEqual({
      url: '/jobs/j1',
      body: {
        targets: params.Targets,
        document: '{}',
        timeoutConfig: { inProgressTimeoutInMinutes: 30 },
        documentParameters: { FirmwareUrl: 'https://example.com/fw' },
      },
    });
    const error = await awsSdk('iot', 'createJob', { ...params, JobId: 'dup' }).catch((e: Error) => e);
    expect(error).toMatchObject({
      name: 'Iot.ResourceAlreadyExistsException',
      message: 'Job dup already exists',
    });
  });
});
