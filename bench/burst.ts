import { readFileSync } from 'node:fs';
import { CreateThingCommand, CreateThingTypeCommand, IoTClient } from '@aws-sdk/client-iot';
import { RateLimiter } from '../local/emulators/common/limits';
import { DEFAULT_IOT_TPS } from '../local/emulators/iot/quotas';
import type { LocalStack } from '../local/stack';
import { startLocalStack } from '../local/stack';
import { evaluateRules, targetsOf } from '../shared/domain/grouping/evaluate';
import { compileRulesText } from '../shared/domain/grouping/rules-text';
import { peakRssMiB } from './common';

/**
 * A provisioning burst on the whole local stack: N things created as fast as CreateThing's quota
 * allows, each with attributes the packaged rules turn into three groups (site, model, ring), then
 * run until idle. The IoT emulator's limiter is not exposed by the stack, so the bench records the
 * limiters as they are used (RateLimiter.prototype.take) and picks the one with IoT's quotas.
 */
const limiters = new Set<RateLimiter>();
const take = RateLimiter.prototype.take;
RateLimiter.prototype.take = function (this: RateLimiter, operation: string) {
  limiters.add(this);
  return take.call(this, operation);
};

const rules = compileRulesText(readFileSync('config/grouping-rules.yml', 'utf8'));
const regions = ['eu-west-1', 'us-east-1', 'ap-south-1'];
const attributesOf = (i: number) => ({
  region: regions[i % 3] as string,
  site: `plant-${i % 7}`,
  model: `m${i % 4}`,
});

/** The first n thing names whose ring bucket puts them in a ring: site + model + ring = 3 groups. */
function threeGroupThings(n: number) {
  const things: { name: string; attributes: Record<string, string>; groups: string[] }[] = [];
  for (let i = 0; things.length < n; i++) {
    const name = `dev-${i}`;
    const attributes = attributesOf(i);
    const groups = targetsOf(evaluateRules(rules, { thingName: name, thingType: 'sensor', attributes })).map(
      (t) => t.group,
    );
    if (groups.length === 3) things.push({ name, attributes, groups });
  }
  return things;
}

/** CreateThing calls in flight at once during the burst. */
const PRODUCERS = 32;

export async function runBurst(
  n: number,
  options: { seed?: number; quotas?: boolean; threads?: number } = {},
) {
  const things = threeGroupThings(n);
  const wallStart = performance.now();
  limiters.clear();
  const stack = await startLocalStack({
    seed: options.seed ?? 1,
    enforceQuotas: options.quotas ?? true,
    ...(options.threads === undefined ? {} : { threads: options.threads }),
  });
  try {
    await stack.deployCustomResources();
    // Throttled calls back off on virtual time (the stack's clients do), so they cost no wall time.
    const iot = new IoTClient(stack.clientConfig('iot', { maxAttempts: 20 }));
    await iot.send(new CreateThingTypeCommand({ thingTypeName: 'sensor' }));
    const stackReadyMs = performance.now() - wallStart;
    const firstCall = stack.clock.now();
    const burstStart = performance.now();
    // CreateThing from a pool of concurrent callers while the stack consumes, as SQS and Lambda
    // would: the producer is tracked work, so the stack's loop runs (and polls) until it is done.
    let next = 0;
    const producer = async () => {
      for (let i = next++; i < things.length; i = next++) {
        const t = things[i] as (typeof things)[number];
        await iot.send(
          new CreateThingCommand({
            thingName: t.name,
            thingTypeName: 'sensor',
            attributePayload: { attributes: t.attributes },
          }),
        );
      }
    };
    stack.track(Promise.all(Array.from({ length: PRODUCERS }, producer)));
    await stack.runUntilIdle();
    const burstWallMs = performance.now() - burstStart;

    const limiter = [...limiters].find(
      (l) => l.accepted.has('CreateThing') || l.throttled.has('CreateThing'),
    );
    const accepted = Object.fromEntries(limiter?.accepted ?? []);
    const throttled = Object.fromEntries(limiter?.throttled ?? []);
    // The call log is streamed from its file: 50,000 things make 200,000 calls.
    let consumerMutatingCalls = 0;
    let lastCall = firstCall;
    stack.iotCalls.forEach((c) => {
      if (c.plane !== 'control') return;
      if (c.at > lastCall) lastCall = c.at;
      if (c.operation !== 'CreateThing' && c.operation !== 'CreateThingType') consumerMutatingCalls += 1;
    });
    // Consumer operations (everything but the burst's own CreateThing), reads included.
    const consumerOps = Object.keys(accepted).filter(
      (op) => !['CreateThing', 'CreateThingType'].includes(op),
    );
    const consumerAccepted = consumerOps.reduce((s, op) => s + (accepted[op] ?? 0), 0);
    const consumerThrottled = Object.entries(throttled)
      .filter(([op]) => op !== 'CreateThing')
      .reduce((s, [, v]) => s + v, 0);
    const floorSeconds = Math.max(
      ...Object.entries(accepted).map(
        ([op, count]) => count / (DEFAULT_IOT_TPS[op] ?? Number.POSITIVE_INFINITY),
      ),
    );
    const groupsJoined = things.reduce((s, t) => s + t.groups.length, 0);
    let wrong = 0;
    for (const t of things) {
      const actual = [...(stack.services.iot.state.things.get(t.name)?.groups ?? [])].sort().join();
      if (actual !== [...t.groups].sort().join()) wrong += 1;
    }
    const queues = stack.services.sqs.queues().map((q) => ({ name: q.name, depth: q.depth() }));
    return {
      things: n,
      groupsJoined,
      consumerMutatingCalls,
      consumerCallsIncludingReads: consumerAccepted,
      callsPerThing: consumerAccepted / n,
      callsPerGroupJoined: consumerAccepted / groupsJoined,
      acceptedByOperation: accepted,
      throttledByOperation: throttled,
      consumerThrottled,
      consumerThrottledShare: consumerThrottled / Math.max(1, consumerThrottled + consumerAccepted),
      dlqMessages: queues.filter((q) => /dlq|dead/i.test(q.name)).reduce((s, q) => s + q.depth, 0),
      queues,
      eventsLost: stack.router.stats.lost,
      eventsDelivered: stack.delivery.stats.delivered,
      thingsWithWrongGroups: wrong,
      virtualSeconds: (lastCall - firstCall) / 1000,
      floorSeconds,
      stackReadyMs,
      burstWallMs,
      wallMs: performance.now() - wallStart,
      peakRssMiB: peakRssMiB(),
      invocations: Object.fromEntries(stack.host.stats),
      logs: logCheck(stack),
      driver: { ...stack.driver.stats, threadTurns: stack.threads?.turns ?? 0 },
    };
  } finally {
    await stack.close();
  }
}

/** The function logs, read back from their files after the run: lines, and ERROR-level lines. */
function logCheck(stack: LocalStack) {
  let lines = 0;
  let errors = 0;
  for (const { line } of stack.logs.entries()) {
    lines += 1;
    if (line.includes('"level":"ERROR"')) errors += 1;
  }
  return { lines, errors };
}
