import { describe, expect, it } from 'vitest';
import { isStale, type ThingState } from '../../../shared/domain/grouping/thing-state';

const applied = (o: Partial<ThingState> = {}): ThingState => ({
  thingId: 'id-1',
  appliedVersion: 3,
  appliedAt: 3_000,
  groups: ['g'],
  deleted: false,
  ...o,
});

describe('isStale()', () => {
  it('lets the first event of a thing through', () => {
    const stale = isStale(undefined, { thingId: 'id-1', version: 1, at: 1_000 });

    expect(stale).toBe(false);
  });

  it('lets a newer version of the same thing through', () => {
    const stale = isStale(applied(), { thingId: 'id-1', version: 4, at: 4_000 });

    expect(stale).toBe(false);
  });

  it('stops the version already applied (a duplicate)', () => {
    const stale = isStale(applied(), { thingId: 'id-1', version: 3, at: 3_000 });

    expect(stale).toBe(true);
  });

  it('stops an older version delivered late', () => {
    const stale = isStale(applied(), { thingId: 'id-1', version: 2, at: 2_000 });

    expect(stale).toBe(true);
  });

  it('lets a deletion of the version applied through: it carries the last version', () => {
    const stale = isStale(applied(), { thingId: 'id-1', version: 3, at: 3_500, deletion: true });

    expect(stale).toBe(false);
  });

  it('stops a deletion of an older version', () => {
    const stale = isStale(applied(), { thingId: 'id-1', version: 2, at: 2_000, deletion: true });

    expect(stale).toBe(true);
  });

  it('stops every event of an incarnation once it was deleted', () => {
    const stale = isStale(applied({ deleted: true }), { thingId: 'id-1', version: 9, at: 9_000 });

    expect(stale).toBe(true);
  });

  it('lets a recreated thing (new thingId) through when its event is newer than what was applied', () => {
    const stale = isStale(applied({ deleted: true }), { thingId: 'id-2', version: 1, at: 5_000 });

    expect(stale).toBe(false);
  });

  it("stops an older incarnation's late event once a newer one was applied", () => {
    const stale = isStale(applied({ thingId: 'id-2', appliedAt: 5_000 }), {
      thingId: 'id-1',
      version: 7,
      at: 4_000,
    });

    expect(stale).toBe(true);
  });
});
