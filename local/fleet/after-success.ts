import type { Random } from '../emulators/common/random';
import type { Cohort } from '../scenario/schema';
import type { DeviceOutcome } from './cohorts';

/**
 * What a device does once its SUCCEEDED report is in: a real update reboots (offline for the drawn
 * time, then back), a bricked device drops off and never comes back, a crashing one comes back and
 * then reports crashes.
 */
export type AfterSuccess =
  | { kind: 'reboot'; offlineMs: number; crashes: boolean }
  | { kind: 'brick'; disconnectMs: number };

/** A crashing device reboots even if its cohort gives no `reboot`: offline this long (seconds). */
export const DEFAULT_REBOOT = { min: 30, max: 90 } as const;
/** A bricked device without a cohort `reboot` drops off this long after its success (seconds). */
export const BRICK_AFTER_SECONDS = 30;

/** statusDetails and the after-success behaviour of a device whose outcome reports SUCCEEDED. */
export function afterSuccessOf(
  cohort: Cohort,
  outcome: DeviceOutcome,
  random: Random,
): { statusDetails?: Record<string, string>; after?: AfterSuccess } {
  const details =
    outcome === 'FAIL_SELF_TEST' ? { ...cohort.statusDetails, selfTest: 'fail' } : cohort.statusDetails;
  const statusDetails = details ? { statusDetails: details } : {};
  if (outcome === 'BRICK_AFTER_SUCCESS') {
    const seconds = cohort.reboot?.min ?? BRICK_AFTER_SECONDS;
    return { ...statusDetails, after: { kind: 'brick', disconnectMs: seconds * 1000 } };
  }
  const crashes = outcome === 'CRASH_AFTER_SUCCESS';
  const reboot = cohort.reboot ?? (crashes ? DEFAULT_REBOOT : undefined);
  if (!reboot) return statusDetails;
  const offlineMs = Math.round((reboot.min + random() * (reboot.max - reboot.min)) * 1000);
  return { ...statusDetails, after: { kind: 'reboot', offlineMs, crashes } };
}
