import {
  AddThingToThingGroupCommand,
  CreateThingCommand,
  CreateThingGroupCommand,
  CreateThingTypeCommand,
  DeleteThingCommand,
  DescribeThingCommand,
  DescribeThingGroupCommand,
  ListThingGroupsForThingCommand,
  ListThingsInThingGroupCommand,
  RemoveThingFromThingGroupCommand,
  UpdateThingCommand,
} from '@aws-sdk/client-iot';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectAwsError, groupArn, type Iot, startIot } from './iot-harness';

let h: Iot;
beforeEach(async () => {
  h = await startIot();
});
afterEach(() => h.close());

const group = (name: string, parentGroupName?: string, attributes?: Record<string, string>) =>
  h.iot.send(
    new CreateThingGroupCommand({
      thingGroupName: name,
      ...(parentGroupName ? { parentGroupName } : {}),
      ...(attributes ? { thingGroupProperties: { attributePayload: { attributes } } } : {}),
    }),
  );
const add = (thingName: string, thingGroupName: string) =>
  h.iot.send(new AddThingToThingGroupCommand({ thingName, thingGroupName }));

describe('things', () => {
  it('versions every update and merges attributes only when asked', async () => {
    await h.iot.send(
      new CreateThingCommand({ thingName: 't1', attributePayload: { attributes: { a: '1', b: '2' } } }),
    );
    await h.iot.send(
      new UpdateThingCommand({
        thingName: 't1',
        attributePayload: { attributes: { b: '', c: '3' }, merge: true },
      }),
    );
    let t = await h.iot.send(new DescribeThingCommand({ thingName: 't1' }));
    // AttributePayload doc: merge keeps stored attributes; an empty value removes one.
    expect(t.attributes).toEqual({ a: '1', c: '3' });
    expect(t.version).toBe(2);
    await h.iot.send(
      new UpdateThingCommand({ thingName: 't1', attributePayload: { attributes: { z: '9' } } }),
    );
    t = await h.iot.send(new DescribeThingCommand({ thingName: 't1' }));
    expect(t.attributes).toEqual({ z: '9' });
    expect(t.version).toBe(3);
    await expectAwsError(
      h.iot.send(
        new UpdateThingCommand({ thingName: 't1', expectedVersion: 2, attributePayload: { attributes: {} } }),
      ),
      'VersionConflictException',
      409,
    );
  });

  it('sets and removes the thing type, which must exist', async () => {
    await h.iot.send(new CreateThingCommand({ thingName: 't1' }));
    await expectAwsError(
      h.iot.send(new UpdateThingCommand({ thingName: 't1', thingTypeName: 'sensor' })),
      'ResourceNotFoundException',
      404,
    );
    await h.iot.send(new CreateThingTypeCommand({ thingTypeName: 'sensor' }));
    await h.iot.send(new UpdateThingCommand({ thingName: 't1', thingTypeName: 'sensor' }));
    expect((await h.iot.send(new DescribeThingCommand({ thingName: 't1' }))).thingTypeName).toBe('sensor');
    await h.iot.send(new UpdateThingCommand({ thingName: 't1', removeThingType: true }));
    expect((await h.iot.send(new DescribeThingCommand({ thingName: 't1' }))).thingTypeName).toBeUndefined();
  });

  it('CreateThing repeats succeed only with the same configuration; DeleteThing of nothing succeeds', async () => {
    const first = await h.iot.send(
      new CreateThingCommand({ thingName: 't1', attributePayload: { attributes: { a: '1' } } }),
    );
    const again = await h.iot.send(
      new CreateThingCommand({ thingName: 't1', attributePayload: { attributes: { a: '1' } } }),
    );
    expect(again.thingId).toBe(first.thingId);
    const e = await expectAwsError(
      h.iot.send(new CreateThingCommand({ thingName: 't1', attributePayload: { attributes: { a: '2' } } })),
      'ResourceAlreadyExistsException',
      409,
    );
    expect(e.resourceArn).toBe(first.thingArn);
    await h.iot.send(new DeleteThingCommand({ thingName: 'never-existed' }));
    await expectAwsError(
      h.iot.send(new DescribeThingCommand({ thingName: 'nope' })),
      'ResourceNotFoundException',
      404,
    );
  });
});

describe('thing groups', () => {
  it('CreateThingGroup is idempotent for identical attributes and 409 otherwise', async () => {
    const first = await group('fleet', undefined, { tier: 'gold' });
    const again = await group('fleet', undefined, { tier: 'gold' });
    expect(again.thingGroupId).toBe(first.thingGroupId);
    const e = await expectAwsError(
      group('fleet', undefined, { tier: 'silver' }),
      'ResourceAlreadyExistsException',
      409,
    );
    expect(e.resourceId).toBe(first.thingGroupId);
    expect(e.resourceArn).toBe(groupArn('fleet'));
  });

  it('requires the parent to exist and reports the hierarchy', async () => {
    await expectAwsError(group('orphan', 'missing'), 'InvalidRequestException', 400);
    await group('root');
    await group('mid', 'root');
    await group('leaf', 'mid', { k: 'v' });
    const d = await h.iot.send(new DescribeThingGroupCommand({ thingGroupName: 'leaf' }));
    expect(d.thingGroupMetadata?.parentGroupName).toBe('mid');
    expect(d.thingGroupMetadata?.rootToParentThingGroups?.map((g) => g.groupName)).toEqual(['root', 'mid']);
    expect(d.thingGroupProperties?.attributePayload?.attributes).toEqual({ k: 'v' });
    expect(d.thingGroupMetadata?.creationDate).toEqual(new Date(h.clock.now()));
  });

  it('limits the hierarchy to 7 levels', async () => {
    await group('g1');
    for (let i = 2; i <= 7; i++) await group(`g${i}`, `g${i - 1}`);
    await expectAwsError(group('g8', 'g7'), 'InvalidRequestException', 400);
  });

  it('limits a group to 100 direct children', async () => {
    await group('p');
    for (let i = 0; i < 100; i++) await group(`c${i}`, 'p');
    await expectAwsError(group('c100', 'p'), 'InvalidRequestException', 400);
  });

  it('puts a thing in at most 10 groups; re-adding is a no-op', async () => {
    await h.iot.send(new CreateThingCommand({ thingName: 't' }));
    for (let i = 0; i < 11; i++) await group(`r${i}`);
    for (let i = 0; i < 10; i++) await add('t', `r${i}`);
    await add('t', 'r3');
    // AddThingToThingGroup / thing-groups guide: a thing can belong to at most 10 thing groups.
    await expectAwsError(add('t', 'r10'), 'InvalidRequestException', 400);
    const groups = await h.iot.send(new ListThingGroupsForThingCommand({ thingName: 't' }));
    expect(groups.thingGroups).toHaveLength(10);
  });

  it('refuses two groups of the same hierarchy; leaving one allows the other', async () => {
    await h.iot.send(new CreateThingCommand({ thingName: 't' }));
    await group('root');
    await group('a', 'root');
    await group('b', 'root');
    await group('other');
    await add('t', 'a');
    await expectAwsError(add('t', 'b'), 'InvalidRequestException', 400);
    await expectAwsError(add('t', 'root'), 'InvalidRequestException', 400);
    await add('t', 'other');
    await h.iot.send(new RemoveThingFromThingGroupCommand({ thingName: 't', thingGroupName: 'a' }));
    await h.iot.send(new RemoveThingFromThingGroupCommand({ thingName: 't', thingGroupName: 'a' }));
    await add('t', 'b');
    const recursive = await h.iot.send(
      new ListThingsInThingGroupCommand({ thingGroupName: 'root', recursive: true }),
    );
    expect(recursive.things).toEqual(['t']);
    const direct = await h.iot.send(new ListThingsInThingGroupCommand({ thingGroupName: 'root' }));
    expect(direct.things).toEqual([]);
    await expectAwsError(add('t', 'missing'), 'ResourceNotFoundException', 404);
  });
});
