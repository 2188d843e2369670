import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type CliOptions, CliUsageError, parseCliArgs, USAGE } from './cli-args';
import { renderHtml } from './report/html';
import { checkExpectations } from './scenario/expectations';
import { loadScenario } from './scenario/load';
import { Progress, whileSlow } from './scenario/progress';
import { buildReport, scanAudit } from './scenario/report';
import { ScenarioRun } from './scenario/runner';
import { InvalidScenarioError, type Scenario } from './scenario/schema';
import { stackStatus } from './scenario/status';
import { summaryText } from './scenario/summary';
import { LOCAL_CREDENTIALS, type LocalStack, startLocalStack } from './stack';

/** `npm start`: the whole backend in this process, a scenario played on virtual time, a report. */
export async function main(argv: readonly string[]): Promise<number> {
  let options: CliOptions;
  try {
    options = parseCliArgs(argv);
  } catch (error) {
    if (!(error instanceof CliUsageError)) throw error;
    console.error(`${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (options.help) {
    console.log(USAGE);
    return 0;
  }
  const wallStart = performance.now();
  const scenario = loadScenario(options.scenario);
  if (options.seed !== undefined) scenario.seed = options.seed;
  console.log(
    `Scenario ${scenario.name} (seed ${scenario.seed}, ${scenario.devices.count} devices) from ${options.scenario}`,
  );
  const starting = startLocalStack({
    seed: scenario.seed,
    faults: scenario.faults,
    delivery: {
      duplicateRate: scenario.delivery.duplicateRate,
      reorderWindowMs: scenario.delivery.reorderWindowSeconds * 1000,
    },
    ...(options.data ? { dataDir: options.data } : {}),
    ...(options.threads === undefined ? {} : { threads: options.threads }),
    logDir: path.join(options.report, 'logs'),
    // As deployed, but standard retry: adaptive mode's client-side rate limiter sleeps in real time.
    functionEnv: { AWS_RETRY_MODE: 'standard' },
  });
  const stack = await whileSlow('starting the local stack', starting);
  let stopStatus: () => void = () => undefined;
  try {
    const deployed = await whileSlow('deploying the custom resources', stack.deployCustomResources());
    const progress = new Progress(stack.clock.now(), () => stack.clock.now());
    progress.phase('start the stack', wallStart);
    for (const d of deployed) progress.log(`deployed ${d.id}: ${d.status}`);
    const run = new ScenarioRun(stack, scenario, progress, path.dirname(path.resolve(options.scenario)));
    stopStatus = progress.startStatus(stackStatus(stack, progress, run.fleet));
    progress.phase('scenario');
    run.schedule();
    await stack.runUntilIdle(
      scenario.runFor === undefined ? {} : { until: run.lastStepAt + scenario.runFor },
    );
    progress.log(
      `idle: nothing left to happen (${stack.services.iot.state.things.size} things, ${stack.services.iot.state.groups.size} groups)`,
    );
    progress.phase('report');
    const report = await stack.drive(
      buildReport(stack, run, scenario, { file: options.scenario, wallStart }),
    );
    report.phases = progress.endPhase();
    stopStatus();
    mkdirSync(options.report, { recursive: true });
    writeFileSync(path.join(options.report, 'run.json'), `${JSON.stringify(report, null, 2)}\n`);
    writeFileSync(path.join(options.report, 'run.html'), renderHtml(report));
    // The audit trail, sorted: two runs of one scenario, seed and code write the same file.
    const audit = (await stack.drive(scanAudit(stack))).map((r) => JSON.stringify(r)).sort();
    writeFileSync(path.join(options.report, 'audit.jsonl'), `${audit.join('\n')}\n`);
    console.log(summaryText(report));
    console.log(
      `\nReport: ${path.join(options.report, 'run.html')} (and run.json, audit.jsonl); wall time ${(report.wallMs / 1000).toFixed(1)} s`,
    );
    if (run.errors.length > 0)
      console.log(`\n${run.errors.length} scenario step(s) failed:\n  ${run.errors.join('\n  ')}`);
    const expected = await checkScenarioExpectations(run, scenario);
    if (expected.length > 0) {
      console.log('\nExpected by the scenario:');
      for (const r of expected) console.log(`  ${r.ok ? 'ok  ' : 'FAIL'} ${r.text}`);
    }
    if (options.serve) {
      // The scenario's devices keep answering jobs, so rollouts started from the CLI make progress.
      run.stop({ keepFleet: true });
      await serve(stack);
    }
    return run.errors.length > 0 || expected.some((r) => !r.ok) ? 1 : 0;
  } finally {
    stopStatus();
    await stack.close();
  }
}

/** Keeps the stack up (virtual time now follows real time at the clock's speed) until Ctrl-C. */
async function serve(stack: LocalStack): Promise<void> {
  const lines = Object.entries(stack.env)
    .filter(([k]) => k.startsWith('AWS_ENDPOINT_URL_'))
    .map(([k, v]) => `export ${k}=${v}`);
  console.log(
    `\nServing. Endpoints:\n${Object.entries(stack.endpoints)
      .map(([k, v]) => `  ${k.padEnd(12)} ${v}`)
      .join('\n')}`,
  );
  console.log(
    `\nFor the AWS CLI / SDKs (any SigV4 key works; the API takes the access key as the principal):`,
  );
  console.log(
    [
      ...lines,
      `export AWS_REGION=${stack.env.AWS_REGION}`,
      `export AWS_DEFAULT_REGION=${stack.env.AWS_REGION}`,
      `export AWS_ACCESS_KEY_ID=${LOCAL_CREDENTIALS.accessKeyId}`,
      `export AWS_SECRET_ACCESS_KEY=${LOCAL_CREDENTIALS.secretAccessKey}`,
      `export FLEET_API_URL=${stack.endpoints.api}`,
      // Where `fleet onboard --bulk` uploads, and the role AWS IoT's registration task assumes.
      `export FLEET_BULK_BUCKET=${String(stack.outputs.BulkRegistrationBucketName?.Value ?? '')}`,
      `export FLEET_BULK_ROLE_ARN=${String(stack.outputs.BulkRegistrationRoleArn?.Value ?? '')}`,
    ].join('\n'),
  );
  console.log('\nCtrl-C to stop.');
  let stopping = false;
  const done = new Promise<void>((resolve) => {
    process.once('SIGINT', () => {
      stopping = true;
      resolve();
    });
    process.once('SIGTERM', () => {
      stopping = true;
      resolve();
    });
  });
  const pace = stack.clock.pace();
  while (!stopping) {
    await stack.runUntilIdle({ until: pace.at() });
    await Promise.race([done, new Promise((r) => setTimeout(r, 50))]);
  }
}

const isEntry = process.argv[1] !== undefined && /main\.(m?js|ts)$/.test(process.argv[1]);
if (isEntry) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: Error) => {
      if (error instanceof InvalidScenarioError) console.error(error.message);
      else console.error(error);
      process.exit(error instanceof InvalidScenarioError ? 2 : 1);
    },
  );
}

/** The scenario's `expect:` entries against the rollouts as the API shows them at the end. */
async function checkScenarioExpectations(run: ScenarioRun, scenario: Scenario) {
  const views: Parameters<typeof checkExpectations>[1] extends ReadonlyMap<string, infer V>
    ? Map<string, V>
    : never = new Map();
  for (const e of scenario.expect) {
    const r = run.rollouts.get(e.rollout);
    if (r && !views.has(e.rollout))
      views.set(e.rollout, (await run.api.rollout(r.creator, r.rolloutId)).body as never);
  }
  return checkExpectations(scenario.expect, views);
}
