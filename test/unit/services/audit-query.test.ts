import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { AuditInput } from '../../../shared/audit/audit-record';
import {
  AuditFilterError,
  AuditTunnelNotFoundError,
  NoAuditRecordsError,
  QueryTooBroadError,
  QueryWithSelectorsError,
} from '../../../shared/domain/audit-query/errors';
import type { StoredAuditRecord } from '../../../shared/domain/audit-query/export';
import { InvalidFleetQueryError } from '../../../shared/domain/fleet-index/errors';
import {
  type AuditSelection,
  auditRecords,
  MAX_QUERY_THINGS,
  queryAudit,
} from '../../../shared/services/audit-query';
import type { AuditQueryDeps } from '../../../shared/services/audit-query-ports';
import { fakeAudit } from '../../fakes/audit';
import { AUDIT_TABLE_KEYS, FakeAuditTable, FakeThingSearch } from '../../fakes/audit-reader';
import { awsError, throttled } from '../../fakes/faults';
import { FakeSecureTunneling } from '../../fakes/tunnel-secure-tunneling';

const T0 = Date.parse('2026-01-05T08:00:00Z');
const MINUTE = 60_000;
const DAY = 86_400_000;
const ASSIGN = 'function:assign-groups';
const STEPS = 'function:rollout-steps';
const iso = (ms: number) => new Date(ms).toISOString();

let causes = 0;
/** One audit input; each has its own cause, so each is its own record. */
function input(subject: AuditInput['subject'], action: string, at: number, more: Partial<AuditInput> = {}) {
  causes += 1;
  return {
    subject,
    action,
    outcome: 'applied',
    actor: ASSIGN,
    cause: { type: 'iot-event', id: `evt-${causes}` },
    at,
    details: {},
    ...more,
  } satisfies AuditInput;
}
const thing = (id: string) => ({ type: 'thing' as const, id });

/** The audit table, AWS IoT secure tunneling and the fleet index on fakes, with the service's ports. */
function world(paging: { pageSize?: number } = {}) {
  const audit = fakeAudit();
  const table = new FakeAuditTable(audit.records);
  const tunnels = new FakeSecureTunneling();
  const index = new FakeThingSearch();
  const describes: string[] = [];
  const deps: AuditQueryDeps = {
    reader: table.reader(paging),
    thingOfTunnel: async (tunnelId) => {
      describes.push(tunnelId);
      return (await tunnels.describe(tunnelId))?.thingName;
    },
    search: index.search,
  };
  const write = async (...inputs: AuditInput[]) => {
    for (const i of inputs) await audit.write(i);
  };
  return { audit, table, tunnels, index, deps, describes, write };
}

async function all(records: AsyncIterable<StoredAuditRecord>): Promise<StoredAuditRecord[]> {
  const out: StoredAuditRecord[] = [];
  for await (const r of records) out.push(r);
  return out;
}

async function read(w: ReturnType<typeof world>, selection: AuditSelection) {
  return all((await queryAudit(selection, w.deps)).records);
}

/** The error a promise (or a stream) ends with. */
async function failure(run: () => Promise<unknown>): Promise<unknown> {
  return run().then(
    () => {
      throw new Error('expected a failure');
    },
    (error: unknown) => error,
  );
}

describe('selectors', () => {
  it('a thing: its records only, from the table key', async () => {
    // Prepare
    const w = world();
    await w.write(
      input(thing('pump-1'), 'thing.groups.assigned', T0),
      input(thing('pump-2'), 'thing.groups.assigned', T0 + MINUTE),
      input(thing('pump-1'), 'thing.rollback.added', T0 + 2 * MINUTE),
    );

    // Act
    const records = await read(w, { thing: 'pump-1' });

    // Assess
    expect(records.map((r) => [r.pk, r.action])).toEqual([
      ['THING#pump-1', 'thing.groups.assigned'],
      ['THING#pump-1', 'thing.rollback.added'],
    ]);
    expect(w.table.calls.map((c) => c.IndexName)).toEqual([undefined]);
  });

  it("a rollout: the rollout's own records, not its things'", async () => {
    // Prepare
    const w = world();
    const rollout = { type: 'rollout' as const, id: 'fw-1' };
    await w.write(
      input(rollout, 'rollout.created', T0, { actor: STEPS }),
      input(thing('pump-1'), 'thing.groups.assigned', T0 + MINUTE, { details: { rolloutId: 'fw-1' } }),
      input(rollout, 'rollout.stage.started', T0 + 2 * MINUTE, { actor: STEPS }),
    );

    // Act
    const records = await read(w, { rollout: 'fw-1' });

    // Assess
    expect(records.map((r) => r.action)).toEqual(['rollout.created', 'rollout.stage.started']);
  });

  it('an actor: what it did to every subject, from the byActor index', async () => {
    // Prepare
    const w = world();
    await w.write(
      input(thing('pump-1'), 'thing.groups.assigned', T0),
      input({ type: 'rollout', id: 'fw-1' }, 'rollout.created', T0 + MINUTE, { actor: STEPS }),
      input(thing('pump-2'), 'thing.groups.assigned', T0 + 2 * MINUTE),
    );

    // Act
    const records = await read(w, { actor: ASSIGN });

    // Assess
    expect(records.map((r) => r.pk)).toEqual(['THING#pump-1', 'THING#pump-2']);
    expect(w.table.calls.map((c) => c.IndexName)).toEqual(['byActor']);
  });

  it('a time range alone: every subject in [from, to), one byDay Query per UTC day', async () => {
    // Prepare
    const w = world();
    await w.write(
      input(thing('early'), 'thing.groups.assigned', T0 - MINUTE),
      input(thing('day-1'), 'thing.groups.assigned', T0),
      input({ type: 'rollout', id: 'fw-1' }, 'rollout.created', T0 + DAY, { actor: STEPS }),
      input(thing('at-to'), 'thing.groups.assigned', T0 + 2 * DAY),
    );

    // Act
    const records = await read(w, { from: iso(T0), to: iso(T0 + 2 * DAY) });

    // Assess
    expect(records.map((r) => r.pk)).toEqual(['THING#day-1', 'ROLLOUT#fw-1']);
    expect(w.table.calls.map((c) => [c.IndexName, c.ExpressionAttributeValues[':pk']])).toEqual([
      ['byDay', 'DAY#2026-01-05'],
      ['byDay', 'DAY#2026-01-06'],
      ['byDay', 'DAY#2026-01-07'],
    ]);
  });

  it('a subject with --from and --to: only its records in [from, to)', async () => {
    // Prepare
    const w = world();
    await w.write(
      ...[0, 1, 2, 3].map((m) => input(thing('pump-1'), 'thing.groups.assigned', T0 + m * MINUTE)),
    );

    // Act
    const records = await read(w, { thing: 'pump-1', from: iso(T0 + MINUTE), to: iso(T0 + 3 * MINUTE) });

    // Assess
    expect(records.map((r) => r.atIso)).toEqual([iso(T0 + MINUTE), iso(T0 + 2 * MINUTE)]);
  });

  it('--from alone with a subject: everything from then on', async () => {
    // Prepare
    const w = world();
    await w.write(...[0, 1, 2].map((m) => input(thing('pump-1'), 'thing.groups.assigned', T0 + m * MINUTE)));

    // Act
    const records = await read(w, { thing: 'pump-1', from: iso(T0 + MINUTE) });

    // Assess
    expect(records.map((r) => r.atIso)).toEqual([iso(T0 + MINUTE), iso(T0 + 2 * MINUTE)]);
  });

  it('--action: only records of that action', async () => {
    // Prepare
    const w = world();
    await w.write(
      input(thing('pump-1'), 'thing.groups.assigned', T0),
      input(thing('pump-1'), 'tunnel.opened', T0 + MINUTE, { details: { tunnelId: 't-9' } }),
    );

    // Act
    const records = await read(w, { thing: 'pump-1', action: 'tunnel.opened' });

    // Assess
    expect(records.map((r) => r.action)).toEqual(['tunnel.opened']);
  });

  it("a tunnel: its records under the thing DescribeTunnel names, and none of the thing's others", async () => {
    // Prepare
    const w = world();
    const tunnelId = w.tunnels.openedByHand('pump-1', {});
    await w.write(
      input(thing('pump-1'), 'thing.groups.assigned', T0),
      input(thing('pump-1'), 'tunnel.opened', T0 + MINUTE, { details: { tunnelId } }),
      input(thing('pump-1'), 'tunnel.opened', T0 + 2 * MINUTE, { details: { tunnelId: 'another' } }),
      input(thing('pump-1'), 'tunnel.closed', T0 + 3 * MINUTE, { details: { tunnelId } }),
    );

    // Act
    const records = await read(w, { tunnel: tunnelId });

    // Assess
    expect(records.map((r) => [r.action, r.details?.tunnelId])).toEqual([
      ['tunnel.opened', tunnelId],
      ['tunnel.closed', tunnelId],
    ]);
    expect(w.describes).toEqual([tunnelId]);
  });

  it('a tunnel with its thing given: no DescribeTunnel, so a tunnel AWS forgot is still found', async () => {
    // Prepare
    const w = world();
    await w.write(input(thing('pump-1'), 'tunnel.closed', T0, { details: { tunnelId: 'forgotten' } }));

    // Act
    const records = await read(w, { tunnel: 'forgotten', thing: 'pump-1' });

    // Assess
    expect(records.map((r) => r.details?.tunnelId)).toEqual(['forgotten']);
    expect(w.describes).toEqual([]);
  });
});

describe('refused selections', () => {
  it('two subjects are a bad filter, and nothing is read', async () => {
    // Prepare
    const w = world();

    // Act
    const error = await failure(() => queryAudit({ thing: 'a', rollout: 'b' }, w.deps));

    // Assess
    expect(error).toBeInstanceOf(AuditFilterError);
    expect((error as Error).message).toBe(
      'give one of --thing, --rollout, --tunnel, --actor (optionally with --from/--to)',
    );
    expect(w.table.calls).toEqual([]);
  });

  it('a time bound that is not ISO is a bad filter', async () => {
    // Prepare
    const w = world();

    // Act
    const error = await failure(() => queryAudit({ thing: 'a', to: 'yesterday' }, w.deps));

    // Assess
    expect(error).toBeInstanceOf(AuditFilterError);
  });

  it('a tunnel AWS does not know is AuditTunnelNotFoundError, with its id', async () => {
    // Prepare
    const w = world();

    // Act
    const error = await failure(() => queryAudit({ tunnel: 'gone' }, w.deps));

    // Assess
    expect(error).toBeInstanceOf(AuditTunnelNotFoundError);
    expect(error).toMatchObject({ tunnelId: 'gone' });
    expect(w.table.calls).toEqual([]);
  });

  it("DescribeTunnel's other errors propagate as AWS threw them", async () => {
    // Prepare
    const w = world();
    const denied = awsError('AccessDeniedException', 'not allowed: iot:DescribeTunnel');
    w.tunnels.faults.inject('describe', denied);

    // Act
    const error = await failure(() => queryAudit({ tunnel: 'any' }, w.deps));

    // Assess
    expect(error).toBe(denied);
  });

  it('the tunnel lookup comes before the filter check: an unknown tunnel with a rollout is not found', async () => {
    // Prepare
    const w = world();

    // Act
    const error = await failure(() => queryAudit({ tunnel: 'gone', rollout: 'fw-1' }, w.deps));

    // Assess
    expect(error).toBeInstanceOf(AuditTunnelNotFoundError);
  });
});

describe('--limit and paging', () => {
  it('follows LastEvaluatedKey page after page, the last page empty, and keeps time order', async () => {
    // Prepare
    const w = world({ pageSize: 2 });
    await w.write(
      ...[3, 0, 2, 1].map((m) => input(thing('pump-1'), 'thing.groups.assigned', T0 + m * MINUTE)),
    );

    // Act
    const records = await read(w, { thing: 'pump-1' });

    // Assess
    expect(records.map((r) => r.atIso)).toEqual([0, 1, 2, 3].map((m) => iso(T0 + m * MINUTE)));
    expect(w.table.calls.map((c) => [c.Limit, c.ExclusiveStartKey?.sk])).toEqual([
      [2, undefined],
      [2, records[1]?.sk],
      [2, records[3]?.sk],
    ]);
  });

  it('reads on past pages the filter emptied (Limit counts items before the filter)', async () => {
    // Prepare
    const w = world({ pageSize: 1 });
    await w.write(
      input(thing('pump-1'), 'tunnel.opened', T0),
      input(thing('pump-1'), 'thing.groups.assigned', T0 + MINUTE),
      input(thing('pump-1'), 'thing.groups.assigned', T0 + 2 * MINUTE),
      input(thing('pump-1'), 'tunnel.opened', T0 + 3 * MINUTE),
    );

    // Act
    const records = await read(w, { thing: 'pump-1', action: 'tunnel.opened' });

    // Assess
    expect(records.map((r) => r.atIso)).toEqual([iso(T0), iso(T0 + 3 * MINUTE)]);
  });

  it('stops after --limit records across queries', async () => {
    // Prepare
    const w = world({ pageSize: 2 });
    await w.write(
      ...[0, 1, 2, 3, 4].map((m) => input(thing('pump-1'), 'thing.groups.assigned', T0 + m * MINUTE)),
    );

    // Act
    const records = await read(w, { thing: 'pump-1', limit: 3 });

    // Assess
    expect(records.map((r) => r.atIso)).toEqual([0, 1, 2].map((m) => iso(T0 + m * MINUTE)));
    expect(w.table.calls).toHaveLength(2);
  });

  it('--limit 0 reads everything', async () => {
    // Prepare
    const w = world({ pageSize: 2 });
    await w.write(...[0, 1, 2].map((m) => input(thing('pump-1'), 'thing.groups.assigned', T0 + m * MINUTE)));

    // Act
    const records = await read(w, { thing: 'pump-1', limit: 0 });

    // Assess
    expect(records).toHaveLength(3);
  });

  it('a Query throttled past the SDK retries ends the stream with ThrottlingException, after the pages read', async () => {
    // Prepare
    const w = world({ pageSize: 2 });
    await w.write(
      ...[0, 1, 2, 3].map((m) => input(thing('pump-1'), 'thing.groups.assigned', T0 + m * MINUTE)),
    );
    w.table.faults.inject('query', throttled(), 1, 1);
    const { records } = await queryAudit({ thing: 'pump-1' }, w.deps);
    const seen: string[] = [];

    // Act
    const error = await failure(async () => {
      for await (const r of records) seen.push(r.atIso ?? '');
    });

    // Assess
    expect((error as Error).name).toBe('ThrottlingException');
    expect(seen).toEqual([iso(T0), iso(T0 + MINUTE)]);
  });
});

describe('--query: the things a fleet indexing query matches', () => {
  it("reads each matched thing's records, thing after thing, and names the things", async () => {
    // Prepare
    const w = world();
    w.index.add('pump-2', { site: 'plant-7' });
    w.index.add('pump-1', { site: 'plant-7' });
    w.index.add('valve-1', { site: 'plant-9' });
    await w.write(
      input(thing('pump-2'), 'thing.groups.assigned', T0),
      input(thing('pump-1'), 'thing.groups.assigned', T0 + MINUTE),
      input(thing('valve-1'), 'thing.groups.assigned', T0 + 2 * MINUTE),
      input(thing('pump-2'), 'thing.rollback.added', T0 + 3 * MINUTE),
    );

    // Act
    const answer = await queryAudit({ query: 'attributes.site:plant-7' }, w.deps);
    const records = await all(answer.records);

    // Assess
    expect(answer.matched).toEqual(['pump-1', 'pump-2']);
    expect(records.map((r) => [r.pk, r.atIso])).toEqual([
      ['THING#pump-1', iso(T0 + MINUTE)],
      ['THING#pump-2', iso(T0)],
      ['THING#pump-2', iso(T0 + 3 * MINUTE)],
    ]);
  });

  it('applies the time and action filters to every matched thing', async () => {
    // Prepare
    const w = world();
    w.index.add('pump-1');
    w.index.add('pump-2');
    await w.write(
      input(thing('pump-1'), 'thing.groups.assigned', T0),
      input(thing('pump-2'), 'tunnel.opened', T0 + MINUTE, { details: { tunnelId: 't' } }),
      input(thing('pump-2'), 'tunnel.opened', T0 + DAY, { details: { tunnelId: 'u' } }),
    );

    // Act
    const records = await read(w, { query: 'thingName:pump-*', action: 'tunnel.opened', to: iso(T0 + DAY) });

    // Assess
    expect(records.map((r) => r.details?.tunnelId)).toEqual(['t']);
  });

  it('refuses a query that matches more things than --max-things, reading nothing', async () => {
    // Prepare
    const w = world();
    for (const n of [1, 2, 3]) w.index.add(`pump-${n}`);

    // Act
    const error = await failure(() => queryAudit({ query: 'thingName:pump-*', maxThings: 2 }, w.deps));

    // Assess
    expect(error).toBeInstanceOf(QueryTooBroadError);
    expect(error).toMatchObject({ max: 2, ceiling: MAX_QUERY_THINGS });
    expect(w.table.calls).toEqual([]);
  });

  it('asks for 100 things by default and never more than 1000', async () => {
    // Prepare
    const w = world();

    // Act
    await queryAudit({ query: 'thingName:pump-*' }, w.deps);
    await queryAudit({ query: 'thingName:pump-*', maxThings: 5000 }, w.deps);

    // Assess
    expect(w.index.calls.map((c) => c.max)).toEqual([100, MAX_QUERY_THINGS]);
  });

  it('refuses a query combined with another subject, before any search', async () => {
    // Prepare
    const w = world();

    // Act
    const error = await failure(() => queryAudit({ query: 'thingName:pump-*', actor: ASSIGN }, w.deps));

    // Assess
    expect(error).toBeInstanceOf(QueryWithSelectorsError);
    expect((error as Error).message).toBe(
      '--query selects things itself: give it without --thing, --rollout, --tunnel or --actor',
    );
    expect(w.index.calls).toEqual([]);
  });

  it('refuses a malformed query before any search, whatever else is given', async () => {
    // Prepare
    const w = world();

    // Act
    const error = await failure(() => queryAudit({ query: 'thingName:(pump', thing: 'x' }, w.deps));

    // Assess
    expect(error).toBeInstanceOf(InvalidFleetQueryError);
    expect(w.index.calls).toEqual([]);
  });

  it('a query that matches nothing is an empty answer, not an error', async () => {
    // Prepare
    const w = world();

    // Act
    const answer = await queryAudit({ query: 'thingName:nothing-*' }, w.deps);
    const records = await all(answer.records);

    // Assess
    expect(answer.matched).toEqual([]);
    expect(records).toEqual([]);
  });

  it('a throttled search propagates, and nothing is read', async () => {
    // Prepare
    const w = world();
    w.index.faults.inject('search', throttled());

    // Act
    const error = await failure(() => queryAudit({ query: 'thingName:pump-*' }, w.deps));

    // Assess
    expect((error as Error).name).toBe('ThrottlingException');
    expect(w.table.calls).toEqual([]);
  });
});

describe('a named subject with no records', () => {
  it('ends the stream with NoAuditRecordsError naming the subject', async () => {
    // Prepare
    const w = world();
    await w.write(input(thing('pump-1'), 'thing.groups.assigned', T0));

    // Act
    const error = await failure(() => read(w, { thing: 'pump-9' }));

    // Assess
    expect(error).toBeInstanceOf(NoAuditRecordsError);
    expect(error).toMatchObject({ subject: { type: 'thing', id: 'pump-9' } });
  });

  it('names the tunnel, not its thing, when a tunnel has no records', async () => {
    // Prepare
    const w = world();
    await w.write(input(thing('pump-1'), 'thing.groups.assigned', T0));

    // Act
    const error = await failure(() => read(w, { tunnel: 't-1', thing: 'pump-1' }));

    // Assess
    expect(error).toMatchObject({ subject: { type: 'tunnel', id: 't-1' } });
  });

  it.each([
    ['--from', { from: iso(T0 + DAY) }],
    ['--to', { to: iso(T0 - DAY) }],
    ['--action', { action: 'tunnel.opened' }],
  ])('narrowed by %s, an empty answer is no error', async (_flag, narrowing) => {
    // Prepare
    const w = world();
    await w.write(input(thing('pump-1'), 'thing.groups.assigned', T0));

    // Act
    const records = await read(w, { thing: 'pump-1', ...narrowing });

    // Assess
    expect(records).toEqual([]);
  });

  it('an actor with no records is an empty answer', async () => {
    // Prepare
    const w = world();

    // Act
    const records = await read(w, { actor: 'arn:aws:iam::123456789012:user/nobody' });

    // Assess
    expect(records).toEqual([]);
  });
});

describe('auditRecords (audit verify)', () => {
  it("reads every record of a tunnel's thing that names the tunnel", async () => {
    // Prepare
    const w = world({ pageSize: 1 });
    const tunnelId = w.tunnels.openedByHand('pump-1', {});
    await w.write(
      input(thing('pump-1'), 'tunnel.opened', T0, { details: { tunnelId } }),
      input(thing('pump-1'), 'tunnel.closed', T0 + MINUTE, { details: { tunnelId } }),
    );

    // Act
    const records = await auditRecords({ tunnel: tunnelId }, w.deps);

    // Assess
    expect(records.map((r) => r.action)).toEqual(['tunnel.opened', 'tunnel.closed']);
  });

  it('a subject with no records is an empty list, not an error', async () => {
    // Prepare
    const w = world();

    // Act
    const records = await auditRecords({ thing: 'pump-9' }, w.deps);

    // Assess
    expect(records).toEqual([]);
  });
});

describe('the fake audit table', () => {
  it('has the keys and indexes resources/tables.yml gives the audit table', () => {
    // Prepare
    const text = readFileSync('resources/tables.yml', 'utf8');

    // Act
    const props = parse(text, { logLevel: 'error' }).Resources.AuditTable.Properties;

    // Assess
    const keys = (schema: { AttributeName: string; KeyType: string }[]) => ({
      hash: schema.find((k) => k.KeyType === 'HASH')?.AttributeName,
      range: schema.find((k) => k.KeyType === 'RANGE')?.AttributeName,
    });
    expect({
      table: keys(props.KeySchema),
      indexes: Object.fromEntries(
        props.GlobalSecondaryIndexes.map((i: { IndexName: string; KeySchema: never }) => [
          i.IndexName,
          keys(i.KeySchema),
        ]),
      ),
    }).toEqual(AUDIT_TABLE_KEYS);
  });

  it('refuses a Query whose key condition is not on the index key, as DynamoDB does', async () => {
    // Prepare
    const table = new FakeAuditTable();

    // Act
    const error = await failure(() =>
      table.query({
        IndexName: 'byActor',
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': 'pk' },
        ExpressionAttributeValues: { ':pk': 'THING#x' },
        Limit: 10,
      }),
    );

    // Assess
    expect((error as Error).name).toBe('ValidationException');
  });
});
