import { describe, expect, it } from 'vitest';
import { isManagedBy, MANAGED_BY } from '../../../shared/domain/managed-by';

describe('isManagedBy()', () => {
  it('accepts a secure tunneling tag list carrying the marker', () => {
    const tags = [
      { key: 'owner', value: 'bob' },
      { key: MANAGED_BY.key, value: MANAGED_BY.value },
    ];

    const managed = isManagedBy(tags);

    expect(managed).toBe(true);
  });

  it('accepts an IoT tag list carrying the marker', () => {
    const tags = [{ Key: 'managedBy', Value: 'fleet-autopilot' }];

    const managed = isManagedBy(tags);

    expect(managed).toBe(true);
  });

  it('accepts an attribute map carrying the marker', () => {
    const attributes = { managedBy: 'fleet-autopilot', site: 'plant-7' };

    const managed = isManagedBy(attributes);

    expect(managed).toBe(true);
  });

  it('refuses another value under the same key', () => {
    const attributes = { managedBy: 'someone-else' };

    const managed = isManagedBy(attributes);

    expect(managed).toBe(false);
  });

  it('refuses a marker inherited from a prototype rather than set on the resource', () => {
    const attributes = Object.create({ managedBy: 'fleet-autopilot' }) as Record<string, string>;

    const managed = isManagedBy(attributes);

    expect(managed).toBe(false);
  });

  it('refuses a resource without tags', () => {
    const managed = isManagedBy(undefined);

    expect(managed).toBe(false);
  });
});
