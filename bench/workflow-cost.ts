import { readFileSync } from 'node:fs';
import {
  DescribeExecutionCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { parse } from 'yaml';
import { VirtualClock } from '../local/emulators/common/clock';
import { FaultInjector, RateLimiter } from '../local/emulators/common/limits';
import { seededRandom } from '../local/emulators/common/random';
import { createStepFunctionsEmulator } from '../local/emulators/stepfunctions';
import { serveStepFunctions } from '../local/emulators/stepfunctions/server';
import { evaluateGate, resolveGatePolicy } from '../shared/domain/gate/index';
import { stepDecision } from '../shared/domain/rollout/model';
import { mulberry32, option, printTable, round, verdict, writeResult } from './common';
import { DEFAULT_STAGE, defaultRollout, type EventLog, emptyLog, StageSimulator } from './stage-sim';

// Workflow cost: the real ASL on the local Step Functions engine, with a stand-in rollout-steps
// Lambda and tracker built from the real gate (evaluateGate + stepDecision): the tracker wakes the
// execution only when the gate is conclusive, as shared/services/rollout-tracker.ts does.
const BAKES = [
  ['1 h', 3600],
  ['1 day', 86_400],
  ['7 days', 7 * 86_400],
] as const;
const SIZES = [100, 100_000];
const STAGES = Number(option('stages') ?? 3);
const RATE = 0.01; // a healthy update: 1% failures against p0 = 5%
const HISTORY_CAP = 25_000;
const PRICE_PER_TRANSITION = 0.025 / 1000;

function loadDefinition(): object {
  const resolve = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(resolve);
    if (v && typeof v === 'object') {
      const getAtt = (v as Record<string, unknown>)['Fn::GetAtt'];
      if (Array.isArray(getAtt)) return String(getAtt[0]);
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, resolve(x)]));
    }
    return v;
  };
  return resolve(parse(readFileSync('statemachines/staged-rollout.asl.yaml', 'utf8'))) as object;
}

type Payload = { action: string; stageIndex: number; token?: string };

async function rollout(bakeSeconds: number, size: number) {
  const policy = resolveGatePolicy({ bakeSeconds, deadlineSeconds: bakeSeconds + 86_400 });
  const clock = new VirtualClock();
  const random = mulberry32(size + bakeSeconds);
  const simulator = new StageSimulator(size);
  // The stage in flight: its events (ms after its start, counts after each), how many were applied.
  let stage: { startedAt: number; log: EventLog; next: number } | undefined;
  let token: string | undefined;
  let lambdaCalls = 0;
  /** The gate on the job after `applied` events of the stage (default: those applied so far). */
  const decisionAt = (now: number, applied = stage?.next ?? 0) => {
    if (!stage) throw new Error('no stage');
    const { log } = stage;
    const i = applied - 1;
    const counts = {
      targets: log.targets[i] ?? size,
      started: log.started[i] ?? 0,
      succeeded: log.succeeded[i] ?? 0,
      failed: log.failed[i] ?? 0,
      excluded: 0,
    };
    return evaluateGate(policy, {
      counts,
      targetsOpen: log.open[i] ?? true,
      stageStartedAt: stage.startedAt,
      now,
    });
  };
  const invoke = async (p: Payload): Promise<unknown> => {
    lambdaCalls += 1;
    const now = clock.now();
    switch (p.action) {
      case 'checkpoint':
        return {
          next: p.stageIndex >= STAGES ? 'complete' : 'start',
          approvalRequired: false,
          approvalTimeoutSeconds: 3600,
        };
      case 'startStage':
        stage = { startedAt: now, log: emptyLog(), next: 0 };
        simulator.run(
          {
            model: 'independent',
            size,
            rate: RATE,
            ...DEFAULT_STAGE,
            rollout: defaultRollout(size),
            deadlineMs: policy.deadlineSeconds * 1000,
          },
          random,
          stage.log,
        );
        return stepDecision(decisionAt(now), now);
      case 'awaitGate':
        token = p.token;
        return {};
      case 'reconcile':
        return stepDecision(decisionAt(now), now);
      case 'promote':
        stage = undefined;
        return { nextStageIndex: p.stageIndex + 1 };
      default:
        return {};
    }
  };
  const sfn = createStepFunctionsEmulator({
    clock,
    limiter: new RateLimiter(clock, {}),
    faults: new FaultInjector(seededRandom(1)),
    integrations: { invokeLambda: (_fn, payload) => invoke(payload as Payload) },
  });
  const server = await serveStepFunctions(sfn);
  const client = new SFNClient({
    endpoint: server.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const stateMachineArn = sfn.registerStateMachine('staged-rollout', loadDefinition());
  const input = JSON.stringify({ rolloutId: 'bench', stageIndex: 0 });
  const { executionArn = '' } = await client.send(
    new StartExecutionCommand({ stateMachineArn, name: 'bench', input }),
  );
  await sfn.settle();
  let wakeUps = 0;
  for (let guard = 0; guard < 10_000; guard++) {
    const execution = sfn.executions.get(executionArn);
    if (execution?.status !== 'RUNNING') break;
    const s = stage;
    const nextEvent = s && s.next < s.log.t.length ? s.startedAt + (s.log.t[s.next] ?? 0) : undefined;
    const nextTimer = sfn.nextDue();
    if (nextTimer !== undefined && (nextEvent === undefined || nextTimer <= nextEvent)) {
      clock.advanceTo(nextTimer);
      sfn.sweep();
      await sfn.settle();
      continue;
    }
    if (!s || nextEvent === undefined) break;
    // The tracker: apply events until the gate is conclusive, then wake the execution once.
    for (; s.next < s.log.t.length; s.next++) {
      const at = s.startedAt + (s.log.t[s.next] ?? 0);
      if (nextTimer !== undefined && at >= nextTimer) break;
      clock.advanceTo(at);
      const i = s.next;
      // Only an outcome can make the gate conclusive (a start or a release cannot: bench/gate-sim.ts).
      const finished = (s.log.succeeded[i] ?? 0) + (s.log.failed[i] ?? 0);
      if (i > 0 && finished === (s.log.succeeded[i - 1] ?? 0) + (s.log.failed[i - 1] ?? 0)) continue;
      const decision = decisionAt(at, i + 1);
      if (decision.outcome !== 'CONTINUE' && token) {
        const taskToken = token;
        token = undefined;
        wakeUps += 1;
        s.next += 1;
        await client.send(
          new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(stepDecision(decision, at)) }),
        );
        await sfn.settle();
        break;
      }
    }
  }
  const described = await client.send(new DescribeExecutionCommand({ executionArn }));
  const execution = sfn.executions.get(executionArn);
  await server.close();
  if (!execution) throw new Error('execution vanished');
  return {
    status: described.status,
    stateTransitions: execution.stateTransitions,
    historyEvents: execution.history.length,
    lambdaCalls,
    wakeUps,
    virtualHours: ((execution.stopDate ?? clock.now()) - execution.startDate) / 3_600_000,
  };
}

const results: ({ bake: string; bakeSeconds: number; size: number; stages: number } & Awaited<
  ReturnType<typeof rollout>
>)[] = [];
for (const [bake, bakeSeconds] of BAKES) {
  for (const size of SIZES) {
    const r = await rollout(bakeSeconds, size);
    results.push({ bake, bakeSeconds, size, stages: STAGES, ...r });
  }
}
const rows = results.map((r) => ({
  bake: r.bake,
  'stage size': r.size,
  status: r.status ?? '?',
  'transitions / stage': round(r.stateTransitions / STAGES, 2),
  'history events / stage': round(r.historyEvents / STAGES, 2),
  'history / rollout (cap 25,000)': r.historyEvents,
  'tracker wake-ups': r.wakeUps,
  'virtual hours': round(r.virtualHours),
  '$ / rollout': `$${(r.stateTransitions * PRICE_PER_TRANSITION).toFixed(5)}`,
}));
printTable(`Workflow cost: ${STAGES}-stage healthy rollout (1% failures, p0 5%) on the real ASL`, rows);
// A stage is decided either by a tracker wake-up or by the Reconcile at bake end: one Task state
// (and 5 history events) apart. Growth with bake time or size would show as a spread beyond that.
const perStage = (key: 'stateTransitions' | 'historyEvents') => results.map((r) => r[key] / STAGES);
const spread = (xs: number[]) => Math.max(...xs) - Math.min(...xs);
const same = spread(perStage('stateTransitions')) <= 1 && spread(perStage('historyEvents')) <= 5;
const maxHistory = Math.max(...results.map((r) => r.historyEvents));
const allSucceeded = results.every((r) => r.status === 'SUCCEEDED');
const targets = [
  {
    target: 'no growth with bake time or size (spread ≤ the 1 transition / 5 events of Reconcile vs wake-up)',
    result: verdict(same && allSucceeded),
  },
  {
    target: `history far under the ${HISTORY_CAP.toLocaleString('en')}-event cap (max ${maxHistory})`,
    result: verdict(maxHistory < HISTORY_CAP / 100),
  },
];
printTable('Targets', targets);
writeResult('workflow-cost', {
  pricePerThousandTransitions: 0.025,
  model: `${STAGES} stages, ${RATE * 100}% failures, the default exponential rollout, latency lognormal median 10 min (bench/stage-sim.ts)`,
  results,
  targets,
});
