import type { ThingEvent } from '../../shared/domain/events/registry-event';

/** A registry event in the shape the AWS IoT developer guide documents (registry-events.md). */
export function thingEvent(overrides: Partial<ThingEvent> = {}): ThingEvent {
  const operation = overrides.operation ?? 'CREATED';
  const version = overrides.versionNumber ?? 1;
  return {
    eventType: 'THING_EVENT',
    eventId: `evt-${overrides.thingName ?? 'thing-1'}-${operation}-${version}`,
    timestamp: 1_767_225_600_000 + version * 1000,
    operation,
    accountId: '123456789012',
    thingId: 'b2d6f3a4-0000-4000-8000-000000000001',
    thingName: 'thing-1',
    versionNumber: version,
    thingTypeName: 'sensor',
    attributes: { region: 'eu-west-1', site: 'plant-7', model: 'TH200' },
    ...overrides,
  };
}
