import { checkExpectations } from '../scenario/expectations';
import { Progress } from '../scenario/progress';
import { provision } from '../scenario/provision';
import { scanAudit } from '../scenario/report';
import { ScenarioRun } from '../scenario/runner';
import { startLocalStack } from '../stack';
import { Adversary } from './adversary';
import { why } from './adversary-attacks';
import { judgeAttacks, type RolloutView } from './adversary-verdicts';
import { WallToVirtual } from './audit-times';
import { type ChaosFigures, checkInvariants } from './invariants';
import { redriveParked } from './redrive';
import type { ChaosScenario } from './schema';

export type ChaosResult = ChaosFigures & {
  name: string;
  seed: number;
  wallSeconds: number;
  adversary: boolean;
};
export type ChaosOptions = {
  /** Run the adversary (true), leave it out (false), or as the file's `adversary.enabled` says. */
  adversary?: boolean;
};

/**
 * Plays one chaos scenario on a fresh local stack: the scenario's own faults and delivery, plus
 * crashing containers, a flaky Lambda task integration, duplicated EventBridge deliveries, an alarm
 * storm and a provisioning burst; then checks the invariants on what the stack recorded.
 */
export async function runChaos(
  { scenario, chaos }: ChaosScenario,
  baseDir: string,
  print: (line: string) => void = () => undefined,
  options: ChaosOptions = {},
): Promise<ChaosResult> {
  const wallStart = performance.now();
  // The harness reports, it does not crash: anything it let fall is counted (a failing row).
  const harness: string[] = [];
  const onUnhandled = (reason: unknown) => harness.push(`unhandled: ${why(reason)}`);
  // Faults start once the stack is deployed (custom resources: the event configurations): the chaos
  // is in operation, not in CloudFormation. The emulators read these settings on every call.
  const faults = { throttleRate: 0, serverErrorRate: 0 };
  const stack = await startLocalStack({
    seed: scenario.seed,
    speed: chaos.speed,
    faults,
    delivery: {
      duplicateRate: scenario.delivery.duplicateRate,
      reorderWindowMs: scenario.delivery.reorderWindowSeconds * 1000,
    },
    // Standard mode as in `npm start` (adaptive pacing sleeps in real time); AWS_MAX_ATTEMPTS as deployed.
    functionEnv: { AWS_RETRY_MODE: 'standard', ...chaos.functionEnv },
    chaos: { crashes: chaos.crashes, sfnLambdaFailureRate: chaos.sfnLambdaFailureRate },
  });
  process.on('unhandledRejection', onUnhandled);
  const wall = new WallToVirtual(stack.clock);
  const idle = async () => {
    for (let tries = 0; ; tries++) {
      try {
        return await stack.runUntilIdle();
      } catch (error) {
        harness.push(`runUntilIdle: ${why(error)}`);
        if (tries >= 20) throw error;
      }
    }
  };
  try {
    const deployed = await stack.deployCustomResources();
    harness.push(...deployed.filter((d) => d.status !== 'SUCCESS').map((d) => `deploy ${d.id}: ${d.reason}`));
    Object.assign(faults, scenario.faults);
    const progress = new Progress(stack.clock.now(), () => stack.clock.now(), print);
    const run = new ScenarioRun(stack, scenario, progress, baseDir);
    const extra = {
      redelivered: 0,
      redriven: 0,
      stormChanges: 0,
      stormFailures: 0,
      burstCreated: 0,
      burstFailed: 0,
      redriveRounds: 0,
      redriveWaitSeconds: 0,
      notRedrivable: 0,
    };
    const buses = new Set<string>(['default']);
    let random = scenario.seed * 7919 + 17;
    const next = () => {
      random = (random * 48271) % 2147483647;
      return random / 2147483647;
    };
    const window = scenario.delivery.reorderWindowSeconds * 1000;
    // EventBridge is at least once too: some deliveries reach the rules again, late.
    const unsubscribe = stack.services.eventBridge.subscribe((bus, event) => {
      buses.add(bus);
      if (next() >= chaos.eventBridgeDuplicateRate) return;
      stack.timeline.at(stack.clock.now() + 1 + Math.floor(next() * window), 'chaos redelivery', () => {
        extra.redelivered += 1;
        stack.router.redeliver(bus, event);
      });
    });
    const storm = chaos.alarmStorm;
    const stormThings = run.devices.slice(0, storm?.things ?? 0).map((d) => d.thingName);
    if (storm) {
      const things = stormThings;
      for (let k = 0; k < storm.changes; k++) {
        const thing = things[k % things.length] ?? '';
        const alarm = Math.floor(k / things.length) % 2 === 0;
        const at = run.start + storm.at + Math.floor((k * storm.within) / storm.changes);
        stack.timeline.at(at, `storm ${thing}`, async () => {
          try {
            await (alarm ? run.alarms.fire(thing) : run.alarms.recover(thing));
            extra.stormChanges += 1;
          } catch {
            extra.stormFailures += 1;
          }
        });
      }
    }
    const burst = chaos.provisionBurst;
    if (burst)
      stack.timeline.at(run.start + burst.at, 'provisioning burst', async () => {
        const devices = run.devices.slice(run.devices.length - burst.count);
        try {
          const r = await provision(stack, devices, burst.ratePerSecond);
          extra.burstCreated += r.created;
          extra.burstFailed += r.failed;
          progress.log(`provisioning burst: ${r.created} things created, ${r.failed} failed`);
        } catch (error) {
          extra.burstFailed += devices.length;
          progress.log(`provisioning burst failed: ${why(error)}`);
        }
      });
    const attack = options.adversary ?? chaos.adversary?.enabled ?? false;
    const alarmed = new Set([
      ...stormThings,
      ...scenario.timeline.flatMap((s) => ('fireAlarm' in s ? [s.fireAlarm.thing] : [])),
    ]);
    const quiet = run.devices.map((d) => d.thingName).filter((t) => !alarmed.has(t));
    const adversary =
      attack && chaos.adversary ? new Adversary(stack, run, chaos.adversary, quiet) : undefined;
    if (attack && !chaos.adversary) harness.push('--adversary: this file has no adversary: section');
    run.schedule();
    await idle();
    const redrive = await redriveParked(stack, buses, idle);
    extra.redriven = redrive.redriven;
    extra.redriveRounds = redrive.rounds;
    extra.redriveWaitSeconds = redrive.waitedSeconds;
    extra.notRedrivable = redrive.notRedrivable;
    unsubscribe();
    adversary?.stop();
    run.stop();
    const audit = await scanAudit(stack);
    const views = new Map<string, RolloutView>();
    const byRef = new Map<string, RolloutView>();
    for (const r of run.rollouts.values()) {
      const view = (await run.api.rollout(r.creator, r.rolloutId)).body as RolloutView;
      views.set(r.rolloutId, view);
      byRef.set(r.ref, view);
    }
    const expectations = checkExpectations(scenario.expect, byRef as never);
    const figures = await checkInvariants(stack, run, audit, [...buses], extra, {
      wall,
      harness,
      expectations,
      judge: adversary ? (e) => judgeAttacks(stack, adversary.attempts.values(), { ...e, views }) : undefined,
    });
    return {
      name: scenario.name,
      seed: scenario.seed,
      adversary: adversary !== undefined,
      ...figures,
      wallSeconds: Math.round((performance.now() - wallStart) / 100) / 10,
    };
  } finally {
    process.off('unhandledRejection', onUnhandled);
    await stack.close();
  }
}
