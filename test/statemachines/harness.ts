import { readFileSync } from 'node:fs';
import {
  DescribeExecutionCommand,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { parse } from 'yaml';
import { VirtualClock } from '../../local/emulators/common/clock';
import { FaultInjector, RateLimiter } from '../../local/emulators/common/limits';
import { seededRandom } from '../../local/emulators/common/random';
import { createStepFunctionsEmulator } from '../../local/emulators/stepfunctions';
import { serveStepFunctions } from '../../local/emulators/stepfunctions/server';

/** The ASL file as written, with the plugin's `Fn::GetAtt` FunctionNames resolved to the logical ids. */
export function loadDefinition(): object {
  const text = readFileSync(new URL('../../statemachines/staged-rollout.asl.yaml', import.meta.url), 'utf8');
  const resolve = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(resolve);
    if (v && typeof v === 'object') {
      const getAtt = (v as Record<string, unknown>)['Fn::GetAtt'];
      if (Array.isArray(getAtt)) return String(getAtt[0]);
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, resolve(x)]));
    }
    return v;
  };
  return resolve(parse(text)) as object;
}

export type Decision = { outcome: string; action?: string; waitSeconds?: number; next?: string };
type Cursor = { stage: number; page: number; token?: string };
type Payload = {
  action: string;
  stageIndex: number;
  token?: string;
  kind?: string;
  state?: unknown;
  cursor?: Cursor;
};

const named = (name: string, extra: object = {}) => Object.assign(new Error(name), { name }, extra);
export const lambdaServiceError = () =>
  named('ServiceException', { $fault: 'server', $metadata: { httpStatusCode: 500 } });

/**
 * A scripted stand-in for the rollout-steps Lambda: it records each call, keeps the tokens the way the
 * state table would, and answers from the script. The test plays the tracker and the operator API.
 */
export class World {
  stages = 2;
  approvalRequired: boolean[] = [];
  approvalTimeoutSeconds = 3600;
  paused = false;
  abortRequested = false;
  /** waitSeconds the stage start returns (the gate's recheckAt: bake end). */
  startWait = 1800;
  /** The gate's decision on the job (the Reconcile step): what every wake-up and timeout leads to. */
  reconcile: (stageIndex: number) => Decision = () => ({ outcome: 'PROMOTE' });
  /** The last stage is CONTINUOUS: once it promotes it is watched until completed. */
  continuousLast = false;
  /** waitSeconds the watch steps return (until completeAt, or the weekly re-read). */
  watchWait = 7 * 86_400;
  /** What a watched stage does next on each ReconcileWatch (and on StartWatch). */
  watch: () => 'watch' | 'halt' | 'complete' = () => 'watch';
  /** What Halt and Abort answer: whether the plan (or the abort request) wants a rollback. */
  rollbackAfterHalt = false;
  rollbackAfterAbort = false;
  /** StartRollback calls the group fill takes (0: no device applied the update, done at once). */
  rollbackPages = 1;
  /** What each ReconcileRollback answers, in order; 'done' once the list is used up. */
  rollbackWatch: ('watch' | 'done')[] = [];
  /** waitSeconds the rollback steps return. */
  rollbackWait = 600;
  readonly tokens: { gate?: string; resume?: string; approval?: string } = {};
  readonly calls: Payload[] = [];
  /** Errors to throw, per action, in order. */
  readonly failures = new Map<string, Error[]>();

  /** What the tracker sends to wake the execution; its content is ignored (Reconcile decides). */
  static readonly WAKE = { wake: 'gate-estimate-conclusive' };

  async invoke(payload: Payload): Promise<unknown> {
    this.calls.push(payload);
    const error = this.failures.get(payload.action)?.shift();
    if (error) throw error;
    const decide = (d: Decision) => ({ action: 'none', reason: 'SCRIPTED', waitSeconds: 1, ...d });
    switch (payload.action) {
      case 'checkpoint': {
        const next = this.abortRequested
          ? 'abort'
          : this.paused
            ? 'pause'
            : payload.stageIndex >= this.stages
              ? 'complete'
              : 'start';
        const last = payload.stageIndex >= this.stages - 1;
        return {
          next,
          approvalRequired: !last && (this.approvalRequired[payload.stageIndex] ?? false),
          approvalTimeoutSeconds: this.approvalTimeoutSeconds,
          continuous: this.continuousLast && payload.stageIndex === this.stages - 1,
        };
      }
      case 'startStage':
        return decide({ outcome: 'CONTINUE', waitSeconds: this.startWait });
      case 'awaitGate':
        this.tokens.gate = payload.token;
        return {};
      case 'awaitResume':
        this.tokens.resume = payload.token;
        return {};
      case 'requestApproval':
        this.tokens.approval = payload.token;
        return {};
      case 'reconcile':
        return decide(this.reconcile(payload.stageIndex));
      case 'promote':
      case 'completeContinuous':
        return { nextStageIndex: payload.stageIndex + 1 };
      case 'startWatch':
      case 'reconcileWatch': {
        const next = payload.action === 'startWatch' ? 'watch' : this.watch();
        return decide({ outcome: next === 'halt' ? 'HALT' : 'PROMOTE', waitSeconds: this.watchWait, next });
      }
      case 'awaitWatch':
        this.tokens.gate = payload.token;
        return {};
      case 'halt':
        return { rollback: this.rollbackAfterHalt };
      case 'abort':
        return { rollback: this.rollbackAfterAbort };
      case 'startRollback': {
        const page = (payload.cursor?.page ?? 0) + 1;
        if (this.rollbackPages === 0) return { next: 'done', cursor: { stage: 1, page }, waitSeconds: 0 };
        const filling = page < this.rollbackPages;
        return filling
          ? { next: 'fill', cursor: { stage: 0, page, token: `page-${page}` }, waitSeconds: 0 }
          : { next: 'watch', cursor: { stage: 1, page }, waitSeconds: this.rollbackWait };
      }
      case 'reconcileRollback':
        return {
          next: this.rollbackWatch.shift() ?? 'done',
          cursor: payload.cursor ?? { stage: 1, page: 1 },
          waitSeconds: this.rollbackWait,
        };
      default:
        return {};
    }
  }

  actions(): string[] {
    return this.calls.map((c) => c.action);
  }
}

export async function startHarness(world: World) {
  const clock = new VirtualClock();
  const sfn = createStepFunctionsEmulator({
    clock,
    limiter: new RateLimiter(clock, {}),
    faults: new FaultInjector(seededRandom(1)),
    integrations: {
      invokeLambda: async (fn, payload) => {
        if (fn !== 'RolloutStepsLambdaFunction')
          throw named('ResourceNotFoundException', { $fault: 'client' });
        return world.invoke(payload as Payload);
      },
    },
  });
  const server = await serveStepFunctions(sfn);
  const client = new SFNClient({
    endpoint: server.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const stateMachineArn = sfn.registerStateMachine('staged-rollout', loadDefinition());
  let executionArn = '';
  const settle = () => sfn.settle();
  return {
    clock,
    sfn,
    close: server.close,
    /** As the rollout API starts it: named after the rollout at stage 0, or a resume's `<id>--r<n>` at its stage. */
    async start(rolloutId = 'fw-24-abcdef12', from = { name: rolloutId, stageIndex: 0 }) {
      const input = JSON.stringify({ rolloutId, stageIndex: from.stageIndex });
      const out = await client.send(new StartExecutionCommand({ stateMachineArn, name: from.name, input }));
      executionArn = out.executionArn ?? '';
      await settle();
    },
    /** Moves virtual time on and fires what is due (callback timeouts, retry backoff). */
    async advance(seconds: number) {
      const until = clock.now() + seconds * 1000;
      for (let due = sfn.nextDue(); due !== undefined && due <= until; due = sfn.nextDue()) {
        clock.advanceTo(due);
        sfn.sweep();
        await settle();
      }
      clock.advanceTo(until);
      sfn.sweep();
      await settle();
    },
    async succeed(token: string | undefined, output: unknown) {
      await client.send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify(output) }));
      await settle();
    },
    async fail(token: string | undefined, error: string, cause = '') {
      await client.send(new SendTaskFailureCommand({ taskToken: token, error, cause }));
      await settle();
    },
    async status() {
      return client.send(new DescribeExecutionCommand({ executionArn }));
    },
    execution() {
      const e = sfn.executions.get(executionArn);
      if (!e) throw new Error('no execution');
      return e;
    },
  };
}
