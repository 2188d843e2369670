import { beforeEach, describe, expect, it } from 'vitest';
import { compileRules } from '../../../shared/domain/grouping/compile-rules';
import { type AssignDeps, assignGroups } from '../../../shared/services/assign-groups';
import { fakeAudit } from '../../fakes/audit';
import { awsError, throttled } from '../../fakes/faults';
import { FakeGroups, FakeState } from '../../fakes/grouping';
import { thingEvent } from '../../helpers/events';

const rules = compileRules({
  version: 1,
  rules: [
    { name: 'site', parents: ['sites', 'sites-{region}'], group: 'site-{region}-{site}' },
    { name: 'model', group: 'model-{model}' },
  ],
});

let groups: FakeGroups;
let state: FakeState;
let audit: ReturnType<typeof fakeAudit>;
let deps: AssignDeps;

beforeEach(() => {
  groups = new FakeGroups();
  state = new FakeState();
  audit = fakeAudit();
  deps = { rules, groups, state, audit: audit.write, actor: 'function:assign-groups' };
});

/** The claim an attempt of `event` makes. */
const claimOf = (event: ReturnType<typeof thingEvent>) => ({
  thingName: event.thingName,
  thingId: event.thingId,
  version: event.versionNumber,
  at: 0,
  eventId: event.eventId,
});

/** An attempt of thingEvent()'s event that holds the thing's lease (still running, or crashed). */
const attemptOfFirstEvent = (attemptMs?: number) =>
  state.claim({
    thingName: 'thing-1',
    thingId: thingEvent().thingId,
    version: 1,
    at: 0,
    eventId: thingEvent().eventId,
    ...(attemptMs === undefined ? {} : { attemptMs }),
  });

describe('assignGroups()', () => {
  it('creates groups parent-first, adds the thing, and writes one audit record', async () => {
    const result = await assignGroups(thingEvent(), deps);
    expect(result).toEqual({
      status: 'applied',
      added: ['site-eu-west-1-plant-7', 'model-th200'],
      removed: [],
    });
    expect(groups.calls.filter((c) => c.startsWith('ensure'))).toEqual([
      'ensure:sites',
      'ensure:sites-eu-west-1',
      'ensure:site-eu-west-1-plant-7',
      'ensure:model-th200',
    ]);
    expect(groups.groups.get('site-eu-west-1-plant-7')?.parent).toBe('sites-eu-west-1');
    expect(groups.of('thing-1')).toEqual(['model-th200', 'site-eu-west-1-plant-7']);
    expect(audit.records).toHaveLength(1);
    expect(audit.records[0]).toMatchObject({
      pk: 'THING#thing-1',
      action: 'thing.groups.assigned',
      outcome: 'applied',
      actor: 'function:assign-groups',
      cause: { type: 'iot-event', id: 'evt-thing-1-CREATED-1' },
      details: { added: ['site-eu-west-1-plant-7', 'model-th200'], removed: [] },
    });
  });

  it('changes nothing and writes no second record for the same event twice', async () => {
    await assignGroups(thingEvent(), deps);
    const callsAfterFirst = groups.calls.length;
    expect(await assignGroups(thingEvent(), deps)).toEqual({ status: 'stale' });
    expect(groups.calls.length).toBe(callsAfterFirst);
    expect(audit.records).toHaveLength(1);
  });

  it('ignores an update older than the version already applied (reordered delivery)', async () => {
    const v3 = thingEvent({
      operation: 'UPDATED',
      versionNumber: 3,
      attributes: { region: 'us', site: 'b', model: 'm2' },
    });
    const v2 = thingEvent({
      operation: 'UPDATED',
      versionNumber: 2,
      attributes: { region: 'eu', site: 'a', model: 'm1' },
    });
    await assignGroups(v3, deps);
    expect(await assignGroups(v2, deps)).toEqual({ status: 'stale' });
    expect(groups.of('thing-1')).toEqual(['model-m2', 'site-us-b']);
    expect(audit.records).toHaveLength(1);
  });

  it('moves the thing out of managed groups it no longer matches, removal first', async () => {
    await assignGroups(thingEvent(), deps);
    groups.calls.length = 0;
    const moved = thingEvent({
      operation: 'UPDATED',
      versionNumber: 2,
      attributes: { region: 'eu-west-1', site: 'plant-9', model: 'TH200' },
    });
    expect(await assignGroups(moved, deps)).toEqual({
      status: 'applied',
      added: ['site-eu-west-1-plant-9'],
      removed: ['site-eu-west-1-plant-7'],
    });
    expect(groups.calls.filter((c) => !c.startsWith('ensure'))).toEqual([
      'remove:site-eu-west-1-plant-7',
      'add:site-eu-west-1-plant-9',
    ]);
    expect(groups.of('thing-1')).toEqual(['model-th200', 'site-eu-west-1-plant-9']);
    expect(audit.records[1]?.details).toMatchObject({
      added: ['site-eu-west-1-plant-9'],
      removed: ['site-eu-west-1-plant-7'],
    });
  });

  it('never touches a group the automation did not create, and says so', async () => {
    groups.groups.set('model-th200', { parent: undefined, managed: false });
    await assignGroups(thingEvent(), deps);
    expect(groups.of('thing-1')).toEqual(['site-eu-west-1-plant-7']);
    expect(audit.records[0]?.details.refused).toEqual([
      {
        rule: 'model',
        group: 'model-th200',
        reason: 'group model-th200 exists and is not managed by fleet-autopilot',
      },
    ]);
  });

  it('leaves a thing as it is when manual memberships break the limits, and audits the reason', async () => {
    for (let i = 0; i < 9; i++) {
      groups.groups.set(`manual-${i}`, { parent: undefined, managed: false });
      await groups.addThing(`manual-${i}`, 'thing-1');
    }
    const result = await assignGroups(thingEvent(), deps);
    expect(result.status).toBe('skipped-limits');
    // Nothing half-applied: the one group that fitted was taken back.
    expect(groups.of('thing-1')).toHaveLength(9);
    expect(groups.of('thing-1').every((g) => g.startsWith('manual-'))).toBe(true);
    expect(audit.records).toHaveLength(1);
    expect(audit.records[0]).toMatchObject({
      outcome: 'skipped',
      details: { memberships: expect.arrayContaining(['manual-0']) },
    });
    expect(state.states.get('thing-1')?.groups).toEqual([]);
  });

  it('audits rules that could not apply even when no membership changes', async () => {
    const result = await assignGroups(thingEvent({ attributes: { region: 'eu', site: '!!!' } }), deps);
    expect(result).toEqual({ status: 'unchanged' });
    expect(audit.records[0]).toMatchObject({ outcome: 'skipped' });
    expect(audit.records[0]?.details.rules).toContainEqual({
      rule: 'site',
      outcome: 'not-applied',
      reason: 'unusable value for {site}',
    });
  });

  it('reaches the same end state and one record when it crashes after the IoT calls and is retried', async () => {
    let failOnce = true;
    const flaky: AssignDeps = {
      ...deps,
      audit: async (input) => {
        if (failOnce) {
          failOnce = false;
          throw Object.assign(new Error('DynamoDB unavailable'), { name: 'InternalServerError' });
        }
        return audit.write(input);
      },
    };
    await expect(assignGroups(thingEvent(), flaky)).rejects.toThrow('DynamoDB unavailable');
    await assignGroups(thingEvent(), flaky);
    expect(groups.of('thing-1')).toEqual(['model-th200', 'site-eu-west-1-plant-7']);
    expect(audit.records).toHaveLength(1);
  });

  it('forgets a deleted thing and groups a recreated one with a new thingId from version 1', async () => {
    await assignGroups(thingEvent({ versionNumber: 4 }), deps);
    expect(
      await assignGroups(thingEvent({ operation: 'DELETED', versionNumber: 3, eventId: 'old' }), deps),
    ).toEqual({ status: 'stale' });
    // A deletion carries the last version number and still wins over the update of that version.
    const deleted = thingEvent({ operation: 'DELETED', versionNumber: 4, eventId: 'del' });
    expect(await assignGroups(deleted, deps)).toEqual({ status: 'forgotten' });
    expect(await assignGroups(deleted, deps)).toEqual({ status: 'stale' });
    expect(
      await assignGroups(thingEvent({ operation: 'UPDATED', versionNumber: 5, eventId: 'late' }), deps),
    ).toEqual({ status: 'stale' });
    groups.members.delete('thing-1'); // AWS removes a deleted thing's memberships
    const reborn = thingEvent({
      thingId: 'new-incarnation',
      versionNumber: 1,
      timestamp: 1_767_300_000_000,
      eventId: 'reborn',
    });
    expect(await assignGroups(reborn, deps)).toMatchObject({ status: 'applied', removed: [] });
    expect(groups.of('thing-1')).toEqual(['model-th200', 'site-eu-west-1-plant-7']);
  });
  it('leaves a thing alone while another event holds its lease: busy, retried later', async () => {
    await state.claim({ thingName: 'thing-1', thingId: 't', version: 9, at: 0, eventId: 'other' });

    const attempt = assignGroups(thingEvent(), deps);

    await expect(attempt).rejects.toMatchObject({ name: 'ThingBusyError' });
    expect(groups.calls).toEqual([]);
    expect(audit.records).toEqual([]);
  });

  it('holds off a copy of the same event while an attempt of it holds the lease, until the lease runs out', async () => {
    // An attempt that is still running, or that crashed: its lease is live and not idle.
    await attemptOfFirstEvent();

    await expect(assignGroups(thingEvent(), deps)).rejects.toMatchObject({ name: 'ThingBusyError' });
    expect(groups.calls).toEqual([]);

    state.now = state.leaseMs + 1;
    expect(await assignGroups(thingEvent(), deps)).toMatchObject({ status: 'applied' });
  });

  it('after a failed attempt, the same event takes the idle lease at once and any other event waits', async () => {
    groups.faults.inject('addThing', throttled());
    await expect(assignGroups(thingEvent(), deps)).rejects.toMatchObject({ name: 'ThrottlingException' });
    const newer = thingEvent({
      operation: 'UPDATED',
      versionNumber: 2,
      eventId: 'newer',
      attributes: { region: 'us-east-1', site: 'plant-1', model: 'th300' },
    });

    // The newer event would plan from the record, which does not know what the failed attempt did.
    await expect(assignGroups(newer, deps)).rejects.toMatchObject({ name: 'ThingBusyError' });
    expect(await assignGroups(thingEvent(), deps)).toMatchObject({ status: 'applied' });
    expect(await assignGroups(newer, deps)).toMatchObject({ status: 'applied' });
    expect(groups.of('thing-1')).toEqual(['model-th300', 'site-us-east-1-plant-1']);
  });

  it("takes back its own lease once the attempt's time is over (a crash), while a copy waits before", async () => {
    // A first attempt that had a minute and crashed: its lease is live, not idle.
    await attemptOfFirstEvent(60_000);
    state.now = 59_999;
    await expect(assignGroups(thingEvent(), deps, 60_000)).rejects.toMatchObject({ name: 'ThingBusyError' });
    state.now = 60_000;
    expect(await assignGroups(thingEvent(), deps, 60_000)).toMatchObject({ status: 'applied' });
    // Another event still waits for the lease the retry took.
    state.now = 60_001;
    const other = thingEvent({ operation: 'UPDATED', versionNumber: 2, eventId: 'other' });
    expect(await assignGroups(other, deps)).toMatchObject({ status: 'unchanged' });
  });

  it("plans from the memberships as they are after another event's attempt died half-way", async () => {
    const x100 = { region: 'eu-west-1', site: 'plant-7', model: 'X100' };
    await assignGroups(thingEvent({ attributes: x100 }), deps);
    // A rollout's rollback group is the automation's too, but no grouping rule names it.
    groups.groups.set('fw-3-1-rollback', { parent: undefined, managed: true });
    await groups.addThing('fw-3-1-rollback', 'thing-1');
    // Event A moves the thing to th200, then dies before it records anything (audit and idle fail).
    audit.faults.inject('write', throttled());
    state.faults.inject('idle', throttled());
    const a = thingEvent({ operation: 'UPDATED', versionNumber: 2, eventId: 'a' });
    await expect(assignGroups(a, deps)).rejects.toMatchObject({ name: 'ThrottlingException' });
    expect(groups.of('thing-1')).toEqual(['fw-3-1-rollback', 'model-th200', 'site-eu-west-1-plant-7']);

    // Event B (back to x100) gets the thing once A's lease has run out.
    state.now = state.leaseMs + 1;
    const b = thingEvent({ operation: 'UPDATED', versionNumber: 3, eventId: 'b', attributes: x100 });
    expect(await assignGroups(b, deps)).toMatchObject({
      status: 'applied',
      added: ['model-x100'],
      removed: ['model-th200'],
    });
    expect(groups.of('thing-1')).toEqual(['fw-3-1-rollback', 'model-x100', 'site-eu-west-1-plant-7']);
    expect(audit.records.at(-1)?.details).toMatchObject({ added: ['model-x100'], removed: ['model-th200'] });
    // A's redelivery is stale now.
    expect(await assignGroups(a, deps)).toEqual({ status: 'stale' });
  });

  it('forgets a deleted thing on the retry of a DELETED event whose first attempt failed', async () => {
    await assignGroups(thingEvent(), deps);
    const deleted = thingEvent({ operation: 'DELETED', versionNumber: 1, eventId: 'del' });
    state.faults.inject('commit', throttled());
    await expect(assignGroups(deleted, deps)).rejects.toMatchObject({ name: 'ThrottlingException' });
    // The thing is gone: AWS answers ResourceNotFoundException for its memberships.
    groups.faults.inject('listGroupsForThing', awsError('ResourceNotFoundException'), 5);
    expect(await assignGroups(deleted, deps)).toEqual({ status: 'forgotten' });
  });

  it('after an interrupted attempt, still takes the thing out of recorded groups no rule names any more', async () => {
    await assignGroups(thingEvent(), deps);
    // Recorded by an older version of the rules: managed, and no current rule names it.
    groups.groups.set('legacy-th200', { parent: undefined, managed: true });
    await groups.addThing('legacy-th200', 'thing-1');
    const recorded = state.states.get('thing-1');
    if (recorded) recorded.groups.push('legacy-th200');
    await state.claim(claimOf(thingEvent({ versionNumber: 2, eventId: 'crashed' })));
    state.now = state.leaseMs + 1;

    const next = thingEvent({ operation: 'UPDATED', versionNumber: 3, eventId: 'next' });
    expect(await assignGroups(next, deps)).toMatchObject({ status: 'applied', removed: ['legacy-th200'] });
    expect(groups.of('thing-1')).toEqual(['model-th200', 'site-eu-west-1-plant-7']);
  });

  it('refused on limits after an interrupted attempt, records the memberships as they are and says what changed', async () => {
    const x100 = { region: 'eu-west-1', site: 'plant-7', model: 'X100' };
    await assignGroups(thingEvent({ attributes: x100 }), deps);
    // Event A removes model-x100, then dies before its add (and before marking its lease idle).
    groups.faults.inject('addThing', throttled());
    state.faults.inject('idle', throttled());
    const a = thingEvent({ operation: 'UPDATED', versionNumber: 2, eventId: 'a' });
    await expect(assignGroups(a, deps)).rejects.toMatchObject({ name: 'ThrottlingException' });
    // Manual memberships fill the thing's ten slots.
    for (let i = 0; i < 9; i++) {
      groups.groups.set(`manual-${i}`, { parent: undefined, managed: false });
      await groups.addThing(`manual-${i}`, 'thing-1');
    }
    state.now = state.leaseMs + 1;

    const b = thingEvent({
      operation: 'UPDATED',
      versionNumber: 3,
      eventId: 'b',
      attributes: { ...x100, model: 'th300' },
    });
    expect(await assignGroups(b, deps)).toMatchObject({ status: 'skipped-limits' });
    expect(state.states.get('thing-1')?.groups).toEqual(['site-eu-west-1-plant-7']);
    expect(audit.records.at(-1)).toMatchObject({
      outcome: 'skipped',
      details: { groups: ['site-eu-west-1-plant-7'], sinceRecord: { added: [], removed: ['model-x100'] } },
    });
  });

  it('throws a throttled membership change so SQS redelivers it, and the redelivery applies it', async () => {
    groups.faults.inject('addThing', throttled());
    await expect(assignGroups(thingEvent(), deps)).rejects.toMatchObject({ name: 'ThrottlingException' });

    const result = await assignGroups(thingEvent(), deps);

    expect(result).toMatchObject({ status: 'applied', added: ['site-eu-west-1-plant-7', 'model-th200'] });
    expect(groups.of('thing-1')).toEqual(['model-th200', 'site-eu-west-1-plant-7']);
    expect(audit.records).toHaveLength(1);
  });
});
