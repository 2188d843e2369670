import { IoTClient } from '@aws-sdk/client-iot';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
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

  it('the IoT adapter paces membership changes at its share: 5 calls at 50 TPS take ≥ 80 ms', async () => {
    const iot = mockClient(IoTClient);
    const sent: number[] = [];
    iot.onAnyCommand().callsFake(() => {
      sent.push(performance.now());
      return {};
    });
    const port = iotGroupPort(new IoTClient({ region: 'us-east-1' }), 50, { now: () => Date.now() });
    await Promise.all([
      port.addThing('a', 't1'),
      port.addThing('b', 't1'),
      port.removeThing('c', 't1'),
      port.addThing('a', 't2'),
      port.addThing('b', 't2'),
    ]);
    expect(sent).toHaveLength(5);
    const gaps = sent.slice(1).map((t, i) => t - (sent[i] ?? 0));
    // 20 ms apart, less the timer's 1 ms granularity.
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(18);
    iot.restore();
  });
});
