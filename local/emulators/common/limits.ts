import type { Clock } from './clock';
import type { Random } from './random';

/**
 * Per-operation token buckets, as AWS applies its TPS quotas: a bucket holds one second of
 * tokens (the burst) and refills continuously at the quota's rate.
 */
export class RateLimiter {
  readonly #buckets = new Map<string, { tokens: number; at: number }>();
  readonly throttled = new Map<string, number>();
  readonly accepted = new Map<string, number>();

  constructor(
    private readonly clock: Clock,
    private readonly tpsByOperation: Readonly<Record<string, number>>,
    private readonly enabled = true,
  ) {}

  /** True when the call may go ahead; false when AWS would answer ThrottlingException. */
  take(operation: string): boolean {
    const tps = this.tpsByOperation[operation];
    if (!this.enabled || tps === undefined) {
      bump(this.accepted, operation);
      return true;
    }
    const now = this.clock.now();
    const bucket = this.#buckets.get(operation) ?? { tokens: tps, at: now };
    bucket.tokens = Math.min(tps, bucket.tokens + ((now - bucket.at) / 1000) * tps);
    bucket.at = now;
    this.#buckets.set(operation, bucket);
    if (bucket.tokens < 1) {
      bump(this.throttled, operation);
      return false;
    }
    bucket.tokens -= 1;
    bump(this.accepted, operation);
    return true;
  }
}

export interface FaultSettings {
  /** Share of calls answered with ThrottlingException regardless of the quota (0..1). */
  throttleRate?: number;
  /** Share of calls answered with a 5xx (0..1). */
  serverErrorRate?: number;
}

export type Fault = 'throttle' | 'server-error' | undefined;

/** Seeded fault injection: the same seed throttles and fails the same calls. */
export class FaultInjector {
  readonly injected = { throttle: 0, serverError: 0 };
  constructor(
    private readonly random: Random,
    private settings: FaultSettings = {},
  ) {}

  configure(settings: FaultSettings): void {
    this.settings = settings;
  }

  next(): Fault {
    const r = this.random();
    const throttle = this.settings.throttleRate ?? 0;
    const server = this.settings.serverErrorRate ?? 0;
    if (r < throttle) {
      this.injected.throttle += 1;
      return 'throttle';
    }
    if (r < throttle + server) {
      this.injected.serverError += 1;
      return 'server-error';
    }
    return undefined;
  }
}

function bump(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}
