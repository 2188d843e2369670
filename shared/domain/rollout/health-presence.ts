/**
 * Did a device come back online after its job execution SUCCEEDED? Judged from AWS IoT lifecycle
 * events (AWS IoT Developer Guide, "Lifecycle events": `$aws/events/presence/connected|disconnected/
 * <clientId>`), which are delivered at least once and in no particular order, so the history is a
 * set kept sorted and every answer depends only on the set, never on the order events arrived in.
 *
 * The rule, for a device that reported SUCCEEDED at `succeededAt`, counting its state then (its newest
 * event up to PRESENCE_LOOKBEHIND_MS before: the two services' clocks differ) and the events with
 * succeededAt ≤ at ≤ succeededAt + windowMs:
 * - a disconnect followed later by a connect: 'healthy' at once (it rebooted into the update and came
 *   back; reconnectedAt is the first such connect);
 * - otherwise, until PRESENCE_GRACE_MS past the window's end: 'pending' (a late event may still come);
 * - then: the newest counted event a disconnect, 'unhealthy'; no counted event or the newest a connect,
 *   'healthy' (it stayed online).
 * Events after the window never count: a device back only after it is not rescued. The history keeps
 * the newest PRESENCE_KEEP events, so a caller records a verdict once it is final.
 */

export type PresenceEvent = { at: number; connected: boolean; version?: number };

export type PresenceVerdict = {
  verdict: 'healthy' | 'unhealthy' | 'pending';
  disconnectedAt?: number;
  reconnectedAt?: number;
};

export const PRESENCE_KEEP = 16;
/** Lifecycle events can be delivered late: the verdict waits this long past the window. */
export const PRESENCE_GRACE_MS = 60_000;

/**
 * A total order on distinct events: time, then the session's versionNumber (absent first), then a
 * disconnect before a connect of the same instant (the device came back rather than left).
 */
function compare(a: PresenceEvent, b: PresenceEvent): number {
  return (
    a.at - b.at ||
    (a.version ?? -1) - (b.version ?? -1) ||
    Number(a.connected) - Number(b.connected) ||
    Number(a.version !== undefined) - Number(b.version !== undefined)
  );
}

const valid = (e: PresenceEvent) =>
  Number.isFinite(e.at) && (e.version === undefined || Number.isFinite(e.version));

/**
 * `history` with `event` added: sorted by `compare`, without duplicates, the newest `keep` kept. A
 * duplicate changes nothing and any arrival order gives the same history. An event without a finite
 * time or version is dropped: it could not be ordered.
 */
export function mergePresence(
  history: readonly PresenceEvent[],
  event: PresenceEvent,
  keep: number = PRESENCE_KEEP,
): PresenceEvent[] {
  const limit = Math.floor(keep);
  if (!(limit > 0)) return [];
  const sorted = [...history, event]
    .filter(valid)
    .map(({ at, connected, version }) =>
      version === undefined ? { at, connected } : { at, connected, version },
    )
    .sort(compare);
  const unique = sorted.filter((e, i) => i === 0 || compare(sorted[i - 1] as PresenceEvent, e) !== 0);
  return unique.slice(-limit);
}

/**
 * The success event and the lifecycle events are stamped by different services (the jobs event in whole
 * seconds): the device's state at its success is its newest event up to this long before it.
 */
export const PRESENCE_LOOKBEHIND_MS = 10_000;

/** The device's state at the success (its newest event in the look-behind), then the window's events. */
function inWindow(history: readonly PresenceEvent[], succeededAt: number, windowMs: number) {
  const sorted = history.filter(valid).sort(compare);
  const before = sorted
    .filter((e) => e.at < succeededAt && e.at >= succeededAt - PRESENCE_LOOKBEHIND_MS)
    .at(-1);
  const during = sorted.filter((e) => e.at >= succeededAt && e.at <= succeededAt + windowMs);
  return before ? [before, ...during] : during;
}

/** The verdict on a device as of `now` (see the rule above). */
export function presenceVerdict(
  history: readonly PresenceEvent[],
  succeededAt: number,
  windowMs: number,
  now: number,
): PresenceVerdict {
  const counted = inWindow(history, succeededAt, windowMs);
  const firstDisconnect = counted.findIndex((e) => !e.connected);
  const back = firstDisconnect < 0 ? undefined : counted.slice(firstDisconnect).find((e) => e.connected);
  if (back) {
    return {
      verdict: 'healthy',
      disconnectedAt: (counted[firstDisconnect] as PresenceEvent).at,
      reconnectedAt: back.at,
    };
  }
  if (now < succeededAt + windowMs + PRESENCE_GRACE_MS) return { verdict: 'pending' };
  const newest = counted.at(-1);
  return newest && !newest.connected
    ? { verdict: 'unhealthy', disconnectedAt: newest.at }
    : { verdict: 'healthy' };
}

/** Any disconnect in the window: a device worth watching until its verdict is final. */
export function disconnectedInWindow(
  history: readonly PresenceEvent[],
  succeededAt: number,
  windowMs: number,
): boolean {
  return inWindow(history, succeededAt, windowMs).some((e) => !e.connected);
}
