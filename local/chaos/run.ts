import { Progress } from '../scenario/progress';
import { provision } from '../scenario/provision';
import { scanAudit } from '../scenario/report';
import { ScenarioRun } from '../scenario/runner';
import { startLocalStack } from '../stack';
import { type ChaosFigures, checkInvariants } from './invariants';
import type { ChaosScenario } from './schema';

export type ChaosResult = ChaosFigures & { name: string; seed: number; wallSeconds: number };

/**
 * Plays one chaos scenario on a fresh local stack: the scenario's own faults and delivery, plus
 * crashing containers, a flaky Lambda task integration, duplicated EventBridge deliveries, an alarm
 * storm and a provisioning burst; then checks the invariants on what the stack recorded.
 */
export async function runChaos(
  { scenario, chaos }: ChaosScenario,
  baseDir: string,
  print: (line: string) => void = () => undefined,
): Promise<ChaosResult> {
  const wallStart = performance.now();
  const stack = await startLocalStack({
    seed: scenario.seed,
    speed: chaos.speed,
    faults: scenario.faults,
    delivery: {
      duplicateRate: scenario.delivery.duplicateRate,
      reorderWindowMs: scenario.delivery.reorderWindowSeconds * 1000,
    },
    // Standard mode as in `npm start` (adaptive pacing sleeps in real time); AWS_MAX_ATTEMPTS as deployed.
    functionEnv: { AWS_RETRY_MODE: 'standard' },
    chaos: { crashes: chaos.crashes, sfnLambdaFailureRate: chaos.sfnLambdaFailureRate },
  });
  try {
    await stack.deployCustomResources();
    const progress = new Progress(stack.clock.now(), () => stack.clock.now(), print);
    const run = new ScenarioRun(stack, scenario, progress, baseDir);
    const extra = {
      redelivered: 0,
      redriven: 0,
      stormChanges: 0,
      stormFailures: 0,
      burstCreated: 0,
      burstFailed: 0,
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
    if (storm) {
      const things = run.devices.slice(0, storm.things).map((d) => d.thingName);
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
        const r = await provision(stack, devices, burst.ratePerSecond);
        extra.burstCreated += r.created;
        extra.burstFailed += r.failed;
        progress.log(`provisioning burst: ${r.created} things created, ${r.failed} failed`);
      });
    run.schedule();
    await stack.runUntilIdle();
    // The runbook's answer to a DLQ alarm: redrive the parked messages to their queue, once.
    for (const poller of stack.pollers) {
      const dlq = poller.queue.redrive?.deadLetter;
      for (let batch = dlq?.receive(10) ?? []; dlq && batch.length; batch = dlq.receive(10))
        for (const m of batch) {
          dlq.delete(m.receiptHandle);
          poller.queue.send(m.body);
          extra.redriven += 1;
        }
    }
    if (extra.redriven) await stack.runUntilIdle();
    unsubscribe();
    run.stop();
    const audit = await scanAudit(stack);
    const figures = checkInvariants(stack, run, audit, [...buses], extra);
    return {
      name: scenario.name,
      seed: scenario.seed,
      ...figures,
      wallSeconds: Math.round((performance.now() - wallStart) / 100) / 10,
    };
  } finally {
    await stack.close();
  }
}
