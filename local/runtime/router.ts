import type { Caller } from '../emulators/common/policy';
import { roleSession, servicePrincipal } from '../emulators/common/principals';
import type { EventEnvelope } from '../emulators/eventbridge/envelope';
import { matchesPattern } from '../emulators/eventbridge/pattern';
import type { FunctionHost } from './function-host';
import { compileIotSql } from './iot-sql';
import type { Services } from './services';
import type { Timeline } from './timeline';
import type { EventRuleSpec, RuleAction, TopicRuleSpec } from './wiring';

export type RouterStats = {
  ruleMatches: number;
  ruleErrors: number;
  targetDeliveries: number;
  targetFailures: number;
  lost: number;
};

/**
 * Carries messages the way the deployment's routing says: IoT topic rules to their actions and
 * EventBridge rules to their targets, with the retries and dead-letter queues the template sets.
 */
export class Router {
  readonly stats: RouterStats = {
    ruleMatches: 0,
    ruleErrors: 0,
    targetDeliveries: 0,
    targetFailures: 0,
    lost: 0,
  };
  readonly #rules: { spec: TopicRuleSpec; compiled: ReturnType<typeof compileIotSql> }[];

  constructor(
    topicRules: TopicRuleSpec[],
    private readonly eventRules: EventRuleSpec[],
    private readonly services: Services,
    private readonly host: FunctionHost,
    private readonly timeline: Timeline,
    private readonly now: () => number,
    private readonly track: (work: Promise<unknown>) => void,
  ) {
    this.#rules = topicRules
      .filter((r) => r.enabled)
      .map((spec) => ({ spec, compiled: compileIotSql(spec.sql) }));
    services.eventBridge.subscribe((bus, event) => this.#onEvent(bus, event));
  }

  /** An MQTT message reaching the rules engine (IoT events, or a client's Publish). */
  publishMqtt(topic: string, payload: Record<string, unknown>): void {
    for (const { spec, compiled } of this.#rules) {
      const selected = compiled.select(payload, topic, this.now());
      if (!selected) continue;
      this.stats.ruleMatches += 1;
      for (const action of spec.actions) {
        if (!this.#runAction(action, selected)) {
          this.stats.ruleErrors += 1;
          if (
            !spec.errorAction ||
            !this.#runAction(spec.errorAction, {
              ruleName: spec.id,
              topic,
              failures: [{ failedAction: Object.keys(action)[0] }],
              payload: selected,
            })
          ) {
            this.stats.lost += 1;
          }
        }
      }
    }
  }

  /** EventBridge delivers at least once: hands an already-accepted event to the matching rules again. */
  redeliver(bus: string, event: EventEnvelope): void {
    this.#onEvent(bus, event);
  }

  #runAction(action: RuleAction, message: Record<string, unknown>): boolean {
    if (action.sqs) {
      // The rule's action sends as the role the template gives it, held to the queue's policy.
      const sender = action.sqs.roleArn ? roleSession(action.sqs.roleArn) : ({ kind: 'anonymous' } as const);
      return this.services.sqs.sendAs(sender, action.sqs.queueUrl, JSON.stringify(message));
    }
    if (action.lambda) {
      // IoT invokes Lambda asynchronously; Lambda retries a failed async invocation twice.
      this.#invokeAsync(action.lambda.functionArn, message, 2, undefined);
      return true;
    }
    return false;
  }

  #onEvent(bus: string, event: EventEnvelope): void {
    for (const rule of this.eventRules) {
      if (!rule.enabled || rule.busName !== bus || !matchesPattern(rule.pattern, event)) continue;
      // EventBridge delivers as its service principal, with the rule as aws:SourceArn.
      const sender = servicePrincipal('events.amazonaws.com', rule.arn);
      for (const target of rule.targets) {
        const input = target.input ?? event;
        const retries = Math.min(target.maxRetries, 3);
        if (target.arn.includes(':lambda:'))
          this.#invokeAsync(target.arn, input, retries, target.deadLetterArn, sender);
        else if (
          !target.arn.includes(':sqs:') ||
          !this.services.sqs.sendAs(sender, target.arn, JSON.stringify(input))
        )
          this.stats.lost += 1;
      }
    }
  }

  /** Async invocation with retries on virtual time; exhausted → the DLQ if one is set, else lost. */
  #invokeAsync(
    functionArn: string,
    payload: unknown,
    retries: number,
    deadLetterArn: string | undefined,
    /** Who puts the event in the dead-letter queue. */
    sender: Caller = { kind: 'anonymous' },
    attempt = 0,
  ): void {
    this.track(
      this.host.invoke(functionArn, payload).then((outcome) => {
        this.stats.targetDeliveries += 1;
        if (outcome.ok) return;
        this.stats.targetFailures += 1;
        if (attempt < retries) {
          this.timeline.at(this.now() + 60_000 * 2 ** attempt, `retry ${functionArn}`, () =>
            this.#invokeAsync(functionArn, payload, retries, deadLetterArn, sender, attempt + 1),
          );
          return;
        }
        if (!deadLetterArn || !this.services.sqs.sendAs(sender, deadLetterArn, JSON.stringify(payload)))
          this.stats.lost += 1;
      }),
    );
  }
}
