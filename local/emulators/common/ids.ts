import { type Random, seededRandom } from './random';

/**
 * Ids the emulators mint (message ids, receipt handles, event ids, tunnel ids, request ids) from a
 * seeded stream instead of the system's entropy, so a run replays from its seed: the same
 * EventBridge event id, hence the same audit record id. The local stack reseeds it when it
 * starts. Never for secrets: tokens stay random.
 */
let random: Random = seededRandom(0x1d5);

export function seedIds(seed: number): void {
  random = seededRandom((seed ^ 0x1d5) >>> 0);
}

/** An RFC 4122 version-4 UUID drawn from `source` (default: the seeded id stream). */
export function randomUUID(source: Random = random): string {
  let hex = '';
  for (let i = 0; i < 4; i++)
    hex += Math.floor(source() * 2 ** 32)
      .toString(16)
      .padStart(8, '0');
  const variant = ((Number.parseInt(hex[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
