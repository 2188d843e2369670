import { GetPackageConfigurationCommand, UpdatePackageConfigurationCommand } from '@aws-sdk/client-iot';
import { GetThingShadowCommand, IoTDataPlaneClient } from '@aws-sdk/client-iot-data-plane';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listen } from '../../local/emulators/common/http';
import { createIotDataHandler } from '../../local/emulators/iot/data-plane';
import { ACCOUNT, expectAwsError, type Iot, jobCalls, startIot, thingArn } from './iot-harness';

// Software Package Catalog in the IoT emulator: CreateJob's destinationPackageVersions, the account's
// VersionUpdateByJobsConfig, and the `$package` shadow AWS IoT Jobs writes after a success, read back
// the way the rollout functions read it (GetThingShadow on the data plane).
let h: Iot;
let data: Awaited<ReturnType<typeof listen>>;
let shadows: IoTDataPlaneClient;
beforeEach(async () => {
  h = await startIot();
  data = await listen(createIotDataHandler(() => undefined, h.emu.shadows));
  shadows = new IoTDataPlaneClient({
    endpoint: data.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    maxAttempts: 1,
  });
});
afterEach(async () => {
  shadows.destroy();
  await data.close();
  await h.close();
});

const { things, job, device, describeJob } = jobCalls(() => h);
const version = (pkg: string, v: string, account = ACCOUNT) =>
  `arn:aws:iot:us-east-1:${account}:package/${pkg}/version/${v}`;
const ROLE = `arn:aws:iam::${ACCOUNT}:role/iot-jobs-package-shadow`;
const enable = () =>
  h.iot.send(
    new UpdatePackageConfigurationCommand({ versionUpdateByJobsConfig: { enabled: true, roleArn: ROLE } }),
  );
const packageShadow = async (thingName: string) => {
  const out = await shadows.send(new GetThingShadowCommand({ thingName, shadowName: '$package' }));
  return JSON.parse(new TextDecoder().decode(out.payload)) as {
    state: { reported?: Record<string, unknown> };
  };
};

describe('CreateJob destinationPackageVersions', () => {
  it('keeps the package versions, and DescribeJob shows them', async () => {
    // Prepare
    await things('t1');

    // Act
    await job('j', [thingArn('t1')], { destinationPackageVersions: [version('fw', '3.1.0')] });

    // Assess
    expect((await describeJob('j'))?.destinationPackageVersions).toEqual([version('fw', '3.1.0')]);
  });

  it.each([
    ['an empty list', [], 'InvalidRequestException', 400],
    [
      '26 versions',
      Array.from({ length: 26 }, (_, i) => version(`p${i}`, '1')),
      'InvalidRequestException',
      400,
    ],
    [
      'a package ARN without a version',
      [`arn:aws:iot:us-east-1:${ACCOUNT}:package/fw`],
      'InvalidRequestException',
      400,
    ],
    ['a version name with a space', [version('fw', '3 1')], 'InvalidRequestException', 400],
    ['an ARN over 1600 characters', [version('fw', '1').padEnd(1601, 'x')], 'InvalidRequestException', 400],
    ["another account's version", [version('fw', '3.1.0', '999999999999')], 'ResourceNotFoundException', 404],
  ])('refuses %s as AWS does', async (_why, versions, name, status) => {
    // Prepare
    await things('t1');

    // Act
    const call = job('j', [thingArn('t1')], { destinationPackageVersions: versions });

    // Assess
    await expectAwsError(call, name, status);
  });
});

describe('package configuration', () => {
  it('starts with VersionUpdateByJobsConfig off, as a new account has it', async () => {
    // Act
    const out = await h.iot.send(new GetPackageConfigurationCommand({}));

    // Assess
    expect(out.versionUpdateByJobsConfig).toEqual({ enabled: false });
  });

  it('turns it on with the role AWS IoT Jobs writes the shadow as', async () => {
    // Act
    await enable();

    // Assess
    const out = await h.iot.send(new GetPackageConfigurationCommand({}));
    expect(out.versionUpdateByJobsConfig).toEqual({ enabled: true, roleArn: ROLE });
  });

  it('refuses to turn it on without a role', async () => {
    // Act
    const call = h.iot.send(
      new UpdatePackageConfigurationCommand({ versionUpdateByJobsConfig: { enabled: true } }),
    );

    // Assess
    await expectAwsError(call, 'ValidationException', 400);
  });
});

describe('the $package shadow after a success', () => {
  it('holds the job’s versions once its execution SUCCEEDED, beside the packages the device reported', async () => {
    // Prepare
    await enable();
    await things('t1');
    h.emu.shadows.update(
      't1',
      '$package',
      JSON.stringify({ state: { reported: { cfg: { version: '7' } } } }),
    );
    await job('j', [thingArn('t1')], { destinationPackageVersions: [version('fw', '3.1.0')] });

    // Act
    await device('t1', 'j', 'SUCCEEDED');

    // Assess
    expect((await packageShadow('t1')).state.reported).toEqual({
      cfg: { version: '7' },
      fw: { version: '3.1.0' },
    });
  });

  it('is not written while VersionUpdateByJobsConfig is off', async () => {
    // Prepare
    await things('t1');
    await job('j', [thingArn('t1')], { destinationPackageVersions: [version('fw', '3.1.0')] });

    // Act
    await device('t1', 'j', 'SUCCEEDED');

    // Assess
    await expectAwsError(packageShadow('t1'), 'ResourceNotFoundException', 404);
  });

  it.each([
    ['a failed execution', 'FAILED' as const, [version('fw', '3.1.0')]],
    ['a job without package versions', 'SUCCEEDED' as const, undefined],
  ])('is not written for %s', async (_why, status, versions) => {
    // Prepare
    await enable();
    await things('t1');
    await job('j', [thingArn('t1')], versions ? { destinationPackageVersions: versions } : {});

    // Act
    await device('t1', 'j', status);

    // Assess
    await expectAwsError(packageShadow('t1'), 'ResourceNotFoundException', 404);
  });
});
