/** AWS IoT thing group names: 1..128 characters of [a-zA-Z0-9:_-]. */
export const GROUP_NAME_MAX = 128;
export const GROUP_NAME_PATTERN = /^[a-zA-Z0-9:_-]{1,128}$/;

/**
 * Turns an attribute value into a group-name fragment: runs of characters AWS does not allow
 * become one '-', edges are trimmed. Returns undefined when nothing usable is left (no letter or
 * digit), so that a junk value never becomes a junk group.
 */
export function sanitizeFragment(value: string): string | undefined {
  const cleaned = value
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^a-zA-Z0-9:_-]+/g, '-');
  const trimmed = trimEdges(cleaned);
  return /[a-zA-Z0-9]/.test(trimmed) ? trimmed : undefined;
}

const EDGE = new Set(['-', ':', '_']);

/** Trims '-', ':' and '_' from both ends in linear time (a `[-:_]+$` regex backtracks quadratically). */
function trimEdges(value: string): string {
  let start = 0;
  let end = value.length;
  while (start < end && EDGE.has(value.charAt(start))) start++;
  while (end > start && EDGE.has(value.charAt(end - 1))) end--;
  return value.slice(start, end);
}

/**
 * Names the rollouts make their own groups under (query stages, rollbacks; IoT compares group names
 * case-insensitively): a device's attributes must never render one, or it would join a rollback of an
 * update it never took.
 */
export const RESERVED_GROUP_PREFIX = 'fleet-autopilot-';
export const isReservedGroupName = (name: string) => name.toLowerCase().startsWith(RESERVED_GROUP_PREFIX);

export function isValidGroupName(name: string): boolean {
  return GROUP_NAME_PATTERN.test(name);
}
