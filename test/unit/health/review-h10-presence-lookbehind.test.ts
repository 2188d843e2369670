import { describe, expect, it } from 'vitest';
import {
  disconnectedInWindow,
  PRESENCE_GRACE_MS,
  presenceVerdict,
} from '../../../shared/domain/rollout/health-presence';

// Review h10 (hostile review of issue 17). The reconnect window counts only lifecycle events stamped at
// or after the success event's time, and "no counted event" means "stayed online". But the two times
// come from different AWS services (a jobs event is stamped in whole seconds by AWS IoT Jobs, a lifecycle
// event in ms by the message broker), and a device may report SUCCEEDED over the HTTPS jobs data plane
// without an MQTT session at all. A device whose disconnect is stamped a moment before its success
// and that never comes back is then never a suspect (disconnectedInWindow is false) and is judged
// healthy. The device's state at the start of the window (its newest event at or before the success,
// with a few seconds of look-behind for skew) must count. EXPECTED TO FAIL until it does.
const T = Date.parse('2027-03-01T00:00:00Z');
const WINDOW = 10 * 60_000;

describe('review h10: reconnect window look-behind', () => {
  const history = [
    { at: T - 60_000, connected: true },
    // Reported SUCCEEDED, rebooted at once into a bricked image; the broker stamped the disconnect
    // 200 ms before the jobs event's (second-granular, differently clocked) timestamp.
    { at: T - 200, connected: false },
  ];

  it('makes the device a suspect', () => {
    expect(disconnectedInWindow(history, T, WINDOW)).toBe(true);
  });

  it('judges it unhealthy once its window is over, not "online through its window"', () => {
    expect(presenceVerdict(history, T, WINDOW, T + WINDOW + PRESENCE_GRACE_MS + 1).verdict).toBe('unhealthy');
  });
});
