import { createHash } from 'node:crypto';

/** Rings are measured in basis points so that 0.01% rings are possible. */
export const RING_BUCKETS = 10_000;

/**
 * A thing's stable bucket in [0, 10000): the first 32 bits of SHA-256(salt + ":" + thingName).
 * It never changes for a thing, so a thing stays in its ring across updates and redeployments.
 */
export function ringBucket(thingName: string, salt: string): number {
  const digest = createHash('sha256').update(`${salt}:${thingName}`).digest();
  return digest.readUInt32BE(0) % RING_BUCKETS;
}

export type Ring = { group: string; percent: number };

/** Rings take consecutive bucket ranges in file order: canary 1% = [0,100), early 10% = [100,1100)... */
export function ringFor(bucket: number, rings: readonly Ring[]): Ring | undefined {
  let upper = 0;
  for (const ring of rings) {
    upper += Math.round(ring.percent * 100);
    if (bucket < upper) return ring;
  }
  return undefined;
}
