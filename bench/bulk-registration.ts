import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli } from '../cli/main';
import { startLocalStack } from '../local/stack';
import { option, peakRssMiB, printTable, round, verdict, writeResult } from './common';

/**
 * `fleet onboard --bulk` on the local stack: a factory CSV of N things (50,000 by default) registered
 * through one AWS IoT registration task (StartThingRegistrationTask, its input uploaded to the S3
 * emulator), followed with the CLI's progress lines. The emulator registers at CreateThing's quota,
 * 100 things a virtual second; the stack's clock runs `--speed` virtual seconds per real one. With
 * `--settle`, the run goes on until every registry event has been grouped (the provisioning-burst
 * benchmark's work, measured there) and reports that too.
 */
const THINGS = Number(option('things') ?? 50_000);
const SPEED = Number(option('speed') ?? 20);
const SETTLE = process.argv.includes('--settle');

const csv = [
  'thingName,thingType,attr.region,attr.site,attr.model',
  ...Array.from(
    { length: THINGS },
    (_, i) => `fab-${String(i).padStart(6, '0')},sensor,eu-west-1,plant-${i % 7},th200`,
  ),
  '',
].join('\n');
const dir = mkdtempSync(path.join(tmpdir(), 'bulk-bench-'));
writeFileSync(path.join(dir, 'factory.csv'), csv);

const wallStart = performance.now();
const stack = await startLocalStack({ seed: 5, speed: SPEED, functionEnv: { AWS_RETRY_MODE: 'standard' } });
try {
  await stack.deployCustomResources();
  const virtualStart = stack.clock.now();
  const progressLines: string[] = [];
  let stdout = '';
  const code = await runCli(
    [
      '--local',
      'onboard',
      'factory.csv',
      '--bulk',
      '--create-types',
      '--bucket',
      String(stack.outputs.BulkRegistrationBucketName?.Value),
      '--role-arn',
      String(stack.outputs.BulkRegistrationRoleArn?.Value),
      '--poll-seconds',
      '1',
      '--json',
    ],
    {
      stdout: { write: (s: string) => (stdout += s) },
      stderr: {
        write: (s: string) => {
          progressLines.push(s.trimEnd());
          process.stderr.write(s);
        },
      },
      env: { ...stack.env, FLEET_API_URL: stack.endpoints.api },
      cwd: dir,
      root: process.cwd(),
    },
  );
  const registeredWallS = (performance.now() - wallStart) / 1000;
  const registeredVirtualS = (stack.clock.now() - virtualStart) / 1000;
  const summary = JSON.parse(stdout || '{}') as {
    createdNow?: number;
    failed?: unknown[];
    taskIds?: string[];
  };
  let settleWallS: number | undefined;
  if (SETTLE) {
    const settleStart = performance.now();
    await stack.runUntilIdle();
    settleWallS = (performance.now() - settleStart) / 1000;
  }
  const grouped = [...stack.services.iot.state.things.values()].filter((t) => t.groups.length > 0).length;
  const rows = [
    {
      things: THINGS,
      'exit code': code,
      'created now': summary.createdNow ?? 0,
      'failed lines': summary.failed?.length ?? 0,
      tasks: summary.taskIds?.length ?? 0,
      'progress lines': progressLines.filter((l) => l.startsWith('register:')).length,
      'virtual s (task)': round(registeredVirtualS),
      'wall s (stack + task)': round(registeredWallS),
      ...(settleWallS === undefined ? {} : { 'wall s (grouping)': round(settleWallS), grouped }),
      'peak RSS MiB': peakRssMiB(),
    },
  ];
  printTable(`fleet onboard --bulk on the local stack (clock ${SPEED}×)`, rows);
  const targets = [
    {
      target: `${THINGS.toLocaleString('en')} things registered by one task, no failed line`,
      measured: `${summary.createdNow ?? 0} in ${summary.taskIds?.length ?? 0} task(s), ${summary.failed?.length ?? 0} failed`,
      result: verdict(code === 0 && summary.createdNow === THINGS && summary.taskIds?.length === 1),
    },
    {
      target: 'progress shown while the task runs',
      measured: `${progressLines.filter((l) => l.startsWith('register:')).length} progress lines`,
      result: verdict(progressLines.filter((l) => l.startsWith('register:')).length >= 3),
    },
  ];
  printTable('Targets', targets);
  writeResult('bulk-registration', {
    speed: SPEED,
    rows,
    progress: progressLines.filter((l) => l.startsWith('register:')),
    targets,
  });
  if (targets.some((t) => t.result !== 'pass')) process.exitCode = 1;
} finally {
  await stack.close();
}
