/** The AWS IoT event types the project consumes (AWS IoT Developer Guide, "Event messages"). */
export const REQUIRED_EVENT_TYPES = ['THING', 'THING_GROUP_MEMBERSHIP', 'JOB', 'JOB_EXECUTION'] as const;

export type EventConfigurations = Partial<Record<string, { Enabled?: boolean | undefined }>>;

/**
 * Which of the wanted event types must be switched on. Types already on are left alone, and
 * nothing is ever switched off: the settings are account-wide and other stages may rely on them.
 */
export function eventTypesToEnable(current: EventConfigurations, wanted: readonly string[]): string[] {
  return wanted.filter((type) => current[type]?.Enabled !== true);
}
