import type { Random } from '../emulators/common/random';
import type { Timeline } from './timeline';

export type DeliverySettings = {
  /** Share of events AWS IoT delivers twice (at-least-once). */
  duplicateRate: number;
  /** Each copy is delayed by up to this much virtual time, so events arrive out of order. */
  reorderWindowMs: number;
};

export type DeliveryStats = { published: number; delivered: number; duplicated: number };

/**
 * AWS IoT's delivery guarantee for `$aws/events/...`: at least once, in no particular order.
 * Every event reaches the rules engine at least once; some twice; delays shuffle the order.
 */
export class EventDelivery {
  readonly stats: DeliveryStats = { published: 0, delivered: 0, duplicated: 0 };
  constructor(
    private readonly settings: DeliverySettings,
    private readonly random: Random,
    private readonly timeline: Timeline,
    private readonly now: () => number,
    private readonly deliver: (topic: string, payload: Record<string, unknown>) => void,
  ) {}

  publish(topic: string, payload: Record<string, unknown>): void {
    this.stats.published += 1;
    const copies = this.random() < this.settings.duplicateRate ? 2 : 1;
    if (copies === 2) this.stats.duplicated += 1;
    for (let i = 0; i < copies; i++) {
      const delay = Math.floor(this.random() * this.settings.reorderWindowMs);
      const send = () => {
        this.stats.delivered += 1;
        this.deliver(topic, structuredClone(payload));
      };
      if (delay === 0) send();
      else this.timeline.at(this.now() + delay, `deliver ${topic}`, send);
    }
  }
}
