import { IoTClient } from '@aws-sdk/client-iot';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it, vi } from 'vitest';

/** The adapter sleeps through node:timers/promises: here a sleep moves a virtual clock instead. */
const virtual = vi.hoisted(() => ({ now: 0 }));
vi.mock('node:timers/promises', () => ({
  setTimeout: async (ms: number) => {
    virtual.now += ms;
  },
}));

import { iotGroupPort } from '../../../shared/adapters/iot-groups';
import { createPacer, shareOfQuota } from '../../../shared/domain/pacing';

describe('pacing under a shared quota', () => {
  it('splits 90 % of the quota among the containers', () => {
    expect(shareOfQuota(100, 5)).toBeCloseTo(18, 12);
    expect(shareOfQuota(100, 1, 0)).toBe(100);
    expect(() => shareOfQuota(0, 5)).toThrow(RangeError);
    expect(() => shareOfQuota(100, 0)).toThrow(RangeError);
    expect(() => shareOfQuota(100, 2.5)).toThrow(RangeError);
  });

  it('spaces calls 1/rate apart with no burst, and lets an idle caller go at once', () => {
    const pace = createPacer(20); // 50 ms apart
    expect([pace(1000), pace(1000), pace(1000), pace(1010)]).toEqual([0, 50, 100, 140]);
    // Long after the booked slots, nothing is owed: the next call goes now.
    expect(pace(5000)).toBe(0);
    expect(pace(5001)).toBe(49);
    expect(() => createPacer(0)).toThrow(RangeError);
  });

  it('the IoT adapter paces membership changes at its share: 5 calls at 50 TPS are 20 ms apart (virtual time)', async () => {
    const iot = mockClient(IoTClient);
    const sent: number[] = [];
    iot.onAnyCommand().callsFake(() => {
      sent.push(virtual.now);
      return {};
    });
    const port = iotGroupPort(new IoTClient({ region: 'us-east-1' }), 50, { now: () => virtual.now });
    // One after another, as one container's batch does: each waits for its booked slot.
    for (const [group, thing] of [
      ['a', 't1'],
      ['b', 't1'],
      ['a', 't2'],
      ['b', 't2'],
    ] as const)
      await port.addThing(group, thing);
    await port.removeThing('c', 't1');
    expect(sent).toEqual([0, 20, 40, 60, 80]);
    iot.restore();
  });
});
