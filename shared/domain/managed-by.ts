/**
 * The marker on every AWS resource this automation creates (thing groups, tunnels): IAM conditions,
 * the operator API and the audit checks tell our resources from anyone else's by it.
 */
export const MANAGED_BY = { key: 'managedBy', value: 'fleet-autopilot' } as const;

/** Tags as AWS lists them (secure tunneling's `key`/`value`, or IoT's `Key`/`Value`). */
type TagList = readonly { key?: string; value?: string; Key?: string; Value?: string }[];

/** True when a resource's tags or attributes (a map, or AWS's tag list) say this automation manages it. */
export function isManagedBy(
  tags: Readonly<Record<string, string | undefined>> | TagList | undefined,
): boolean {
  if (!tags) return false;
  if (Array.isArray(tags)) {
    return (tags as TagList).some(
      (t) => (t.key ?? t.Key) === MANAGED_BY.key && (t.value ?? t.Value) === MANAGED_BY.value,
    );
  }
  const map = tags as Readonly<Record<string, string | undefined>>;
  return Object.hasOwn(map, MANAGED_BY.key) && map[MANAGED_BY.key] === MANAGED_BY.value;
}
