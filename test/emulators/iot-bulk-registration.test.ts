import {
  CreateThingGroupCommand,
  CreateThingTypeCommand,
  DescribeThingCommand,
  DescribeThingRegistrationTaskCommand,
  IoTClient,
  ListThingRegistrationTaskReportsCommand,
  ListThingsInThingGroupCommand,
  StartThingRegistrationTaskCommand,
  StopThingRegistrationTaskCommand,
} from '@aws-sdk/client-iot';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../local/emulators/common/clock';
import { listen } from '../../local/emulators/common/http';
import { FaultInjector, RateLimiter } from '../../local/emulators/common/limits';
import { seededRandom } from '../../local/emulators/common/random';
import { createIotEmulator, DEFAULT_IOT_TPS, type IotEmulator } from '../../local/emulators/iot';
import { createS3Emulator } from '../../local/emulators/s3/emulator';
import { expectAwsError } from './iot-harness';

const ROLE = 'arn:aws:iam::123456789012:role/BulkRegistrationRole';
let clock: VirtualClock;
let emu: IotEmulator;
let iot: IoTClient;
let s3: S3Client;
let close: () => Promise<void>;

beforeEach(async () => {
  clock = new VirtualClock();
  let s3Url = '';
  const limiter = new RateLimiter(clock, DEFAULT_IOT_TPS, false);
  const s3emu = createS3Emulator({
    clock,
    limiter,
    faults: new FaultInjector(seededRandom(1), {}),
    baseUrl: () => s3Url,
  });
  emu = createIotEmulator({
    clock,
    limiter,
    faults: new FaultInjector(seededRandom(2), {}),
    events: () => undefined,
    objects: s3emu.store,
  });
  const control = await listen(emu.handler);
  const objects = await listen(s3emu.handler);
  s3Url = objects.url;
  s3emu.store.ensureBucket('fleet-bulk');
  const config = {
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    maxAttempts: 1,
  };
  iot = new IoTClient({ ...config, endpoint: control.url });
  // Path-style, as the SDK does by itself for an endpoint that is an IP address.
  s3 = new S3Client({ ...config, endpoint: objects.url });
  close = async () => {
    iot.destroy();
    s3.destroy();
    await control.close();
    await objects.close();
  };
});
afterEach(() => close());

const TEMPLATE = JSON.stringify({
  Parameters: {
    ThingName: { Type: 'String' },
    model: { Type: 'String' },
    site: { Type: 'String', Default: 'plant-1' },
  },
  Resources: {
    thing: {
      Type: 'AWS::IoT::Thing',
      Properties: {
        ThingName: { Ref: 'ThingName' },
        ThingTypeName: 'sensor',
        AttributePayload: { model: { Ref: 'model' }, site: { Ref: 'site' } },
        ThingGroups: ['factory'],
      },
    },
  },
});

async function upload(key: string, lines: string[]) {
  await s3.send(new PutObjectCommand({ Bucket: 'fleet-bulk', Key: key, Body: `${lines.join('\n')}\n` }));
}
const start = (key: string, templateBody = TEMPLATE) =>
  iot.send(
    new StartThingRegistrationTaskCommand({
      templateBody,
      inputFileBucket: 'fleet-bulk',
      inputFileKey: key,
      roleArn: ROLE,
    }),
  );
const describeTask = (taskId: string) => iot.send(new DescribeThingRegistrationTaskCommand({ taskId }));
/** The emulator registers 100 lines a (virtual) second. */
const runFor = (seconds: number) => {
  clock.advanceBy(seconds * 1000);
  emu.sweep();
};

describe('bulk registration (StartThingRegistrationTask) on the IoT and S3 emulators', () => {
  it('registers every line of the S3 input at the paced rate and writes result and error reports', async () => {
    await iot.send(new CreateThingTypeCommand({ thingTypeName: 'sensor' }));
    await iot.send(new CreateThingGroupCommand({ thingGroupName: 'factory' }));
    const lines = Array.from({ length: 250 }, (_, i) =>
      JSON.stringify({ ThingName: `d-${i}`, model: 'th200' }),
    );
    lines[7] = JSON.stringify({ ThingName: 'bad name!', model: 'th200' });
    lines[8] = 'not json';
    await upload('input/batch-1.jsonl', lines);
    const { taskId = '' } = await start('input/batch-1.jsonl');
    expect(await describeTask(taskId)).toMatchObject({ status: 'InProgress', percentageProgress: 0 });
    runFor(1);
    expect(await describeTask(taskId)).toMatchObject({
      status: 'InProgress',
      percentageProgress: 40,
      successCount: 98,
      failureCount: 2,
    });
    expect(emu.nextDue()).toBe(clock.now() + 1000);
    runFor(2);
    const done = await describeTask(taskId);
    expect(done).toMatchObject({
      status: 'Completed',
      percentageProgress: 100,
      successCount: 248,
      failureCount: 2,
    });
    expect(emu.nextDue()).toBeUndefined();
    expect((await iot.send(new DescribeThingCommand({ thingName: 'd-0' }))).attributes).toEqual({
      model: 'th200',
      site: 'plant-1',
    });
    expect(
      (await iot.send(new ListThingsInThingGroupCommand({ thingGroupName: 'factory' }))).things,
    ).toHaveLength(248);

    const { resourceLinks = [] } = await iot.send(
      new ListThingRegistrationTaskReportsCommand({ taskId, reportType: 'ERRORS' }),
    );
    const errors = (await Promise.all(resourceLinks.map(async (url) => (await fetch(url)).text())))
      .join('')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(errors).toEqual([
      { offset: 7, errorCode: 'InvalidRequestException', errorMessage: 'Invalid thing name bad name!' },
      {
        offset: 8,
        errorCode: 'InvalidRequestException',
        errorMessage: 'The line is not a JSON object of parameter values',
      },
    ]);
    const results = await iot.send(
      new ListThingRegistrationTaskReportsCommand({ taskId, reportType: 'RESULTS' }),
    );
    expect(results.resourceLinks).toHaveLength(1);
  });

  it('runs one task at a time, stops on request, and fails a task whose input is missing', async () => {
    await upload('a.jsonl', [JSON.stringify({ ThingName: 'x' })]);
    const simple = JSON.stringify({
      Resources: { t: { Type: 'AWS::IoT::Thing', Properties: { ThingName: { Ref: 'ThingName' } } } },
    });
    const { taskId = '' } = await start('a.jsonl', simple);
    await expectAwsError(start('a.jsonl', simple), 'InvalidRequestException', 400);
    await iot.send(new StopThingRegistrationTaskCommand({ taskId }));
    expect((await describeTask(taskId)).status).toBe('Cancelled');
    const missing = await start('nope.jsonl', simple);
    expect(await describeTask(missing.taskId ?? '')).toMatchObject({ status: 'Failed' });
    await expectAwsError(describeTask('no-such-task'), 'ResourceNotFoundException', 404);
  });

  it('refuses what it does not emulate in a template, naming it', async () => {
    const withCert = JSON.stringify({
      Resources: {
        t: { Type: 'AWS::IoT::Thing', Properties: { ThingName: 'a' } },
        c: { Type: 'AWS::IoT::Certificate', Properties: { CertificateSigningRequest: { Ref: 'CSR' } } },
      },
    });
    const e = await expectAwsError(start('a.jsonl', withCert), 'InvalidRequestException', 400);
    expect(e.message).toMatch(/AWS::IoT::Certificate is not emulated by the local stack/);
    await expectAwsError(start('a.jsonl', '{'), 'InvalidRequestException', 400);
  });

  it('serves S3 objects path-style and names S3 operations it does not emulate', async () => {
    await upload('k/1.txt', ['hello']);
    const got = await s3.send(new GetObjectCommand({ Bucket: 'fleet-bulk', Key: 'k/1.txt' }));
    expect(await got.Body?.transformToString()).toBe('hello\n');
    await expectAwsError(
      s3.send(new GetObjectCommand({ Bucket: 'fleet-bulk', Key: 'missing' })),
      'NoSuchKey',
      404,
    );
    const e = await expectAwsError(
      s3.send(new ListObjectsV2Command({ Bucket: 'fleet-bulk' })),
      'NotImplemented',
      501,
    );
    expect(e.message).toMatch(/ListObjectsV2 .*is not emulated by the local stack/);
  });
});
