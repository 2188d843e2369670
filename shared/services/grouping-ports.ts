import type { ThingChange, ThingState } from '../domain/grouping/thing-state';

/**
 * What assign-groups needs from the outside world. Adapters: shared/adapters/iot-groups.ts and
 * shared/adapters/thing-state-store.ts; composed in functions/wiring/grouping.ts.
 */

export type GroupOwnership = 'managed' | 'unmanaged';

/** AWS IoT thing groups and memberships. */
export interface GroupPort {
  /**
   * Creates the group under `parent` if missing (tagged as ours); 'managed' when the group is ours
   * under that parent, 'unmanaged' when someone else's group (or ours elsewhere) has the name.
   */
  ensureGroup(name: string, parent: string | undefined): Promise<GroupOwnership>;
  /**
   * AddThingToThingGroup; idempotent. Throws AWS's `InvalidRequestException` or
   * `LimitExceededException` when the thing is in 10 groups, or in another group of the hierarchy.
   */
  addThing(group: string, thingName: string): Promise<void>;
  /** RemoveThingFromThingGroup; idempotent. */
  removeThing(group: string, thingName: string): Promise<void>;
  /** Every group the thing is directly in, managed or not. */
  listGroupsForThing(thingName: string): Promise<string[]>;
  /** Those of `names` that are the automation's groups (tagged as ours), in order. */
  managedOf(names: string[]): Promise<string[]>;
}

export type ClaimRequest = ThingChange & {
  thingName: string;
  eventId: string;
  /** How long this attempt may run (the invocation's remaining time); the lease's length if unknown. */
  attemptMs?: number;
};
export type Claim =
  | { kind: 'stale'; state: ThingState }
  | {
      kind: 'claimed';
      previous: ThingState | undefined;
      /** An attempt (this event's or another's) took the lease and never committed: memberships may differ from `previous`. */
      interrupted: boolean;
    };
export type Commit = ClaimRequest & { groups: string[]; deleted: boolean };

/**
 * What was applied to each thing, with a short lease so two events for one thing never interleave.
 * It is also the events' idempotency record: an applied version is stale for ever after, and a live
 * lease holds off every other attempt, a copy of the same event included.
 */
export interface ThingStateStore {
  /**
   * 'stale' (nothing taken) when the event is older than what was applied (see isStale); else takes
   * the thing's lease for `eventId` and returns what was applied before. Throws ThingBusyError while
   * another event holds a live lease (the lease outlives the function's timeout), while an attempt of
   * the same event may still be running (a concurrent copy waits), or when the state changed under
   * the claim. The same event takes its lease back once that attempt failed (`idle`) or ran out of
   * time (`attemptMs`).
   */
  claim(request: ClaimRequest): Promise<Claim>;
  /** Records the outcome and releases the lease; throws ThingBusyError when `eventId` lost the lease. */
  commit(commit: Commit): Promise<void>;
  /**
   * After a failed attempt: `eventId` keeps the lease until it runs out, so no other event applies on
   * top of half-done work, but its retry may take it at once (else after the attempt's time). A no-op
   * when the lease is not its own.
   */
  idle(request: ClaimRequest): Promise<void>;
}
