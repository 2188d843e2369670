import { type Random, seededRandom } from '../emulators/common/random';
import type { Scenario } from '../scenario/schema';

export type Device = {
  thingName: string;
  thingTypeName?: string;
  attributes: Record<string, string>;
};

/** FNV-1a: a stable 32-bit hash, so a draw depends on what it is about, not on the order of draws. */
function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A PRNG for one subject (a device, a device's execution...) under the scenario's seed. */
export function randomFor(seed: number, subject: string): Random {
  return seededRandom((hash32(subject) ^ Math.imul(seed, 0x9e3779b1)) >>> 0);
}

/** Picks a key of a weighted distribution. */
function pick(weights: Record<string, number>, r: number): string {
  const entries = Object.entries(weights);
  const total = entries.reduce((s, [, w]) => s + w, 0);
  let x = r * total;
  for (const [key, w] of entries) {
    x -= w;
    if (x < 0) return key;
  }
  return entries.at(-1)?.[0] ?? '';
}

/** The scenario's fleet: names, thing types and attributes, the same for the same seed. */
export function generateDevices(scenario: Scenario): Device[] {
  const { count, namePrefix, thingTypes, attributes } = scenario.devices;
  const width = Math.max(5, String(count).length);
  return Array.from({ length: count }, (_, i) => {
    const thingName = `${namePrefix}${String(i + 1).padStart(width, '0')}`;
    const random = randomFor(scenario.seed, `device:${thingName}`);
    const attrs: Record<string, string> = {};
    for (const [key, dist] of Object.entries(attributes)) attrs[key] = pick(dist, random());
    const device: Device = { thingName, attributes: attrs };
    if (thingTypes) device.thingTypeName = pick(thingTypes, random());
    return device;
  });
}
