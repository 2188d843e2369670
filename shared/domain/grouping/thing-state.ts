/** What the automation last applied to a thing: the version it came from and the groups it added. */
export type ThingState = {
  thingId: string;
  appliedVersion: number;
  appliedAt: number;
  groups: string[];
  deleted: boolean;
};

/** Which change of a thing a registry event reports. */
export type ThingChange = {
  thingId: string;
  version: number;
  at: number;
  /** A deletion carries the thing's last version, so it must win over an update of that version. */
  deletion?: boolean;
};

/**
 * A stale event is one for the same thing incarnation whose version was already applied (or that
 * incarnation was deleted). A recreated thing has a new thingId: the older incarnation's late
 * events lose to it by time.
 */
export function isStale(state: ThingState | undefined, change: ThingChange): boolean {
  if (!state) return false;
  if (state.thingId === change.thingId) {
    if (state.deleted) return true;
    return change.deletion ? state.appliedVersion > change.version : state.appliedVersion >= change.version;
  }
  return state.appliedAt > change.at;
}
