import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { RECORD_STATUS, type TunnelRecord } from '../domain/tunnels/tunnel-record';
import type { TunnelStore } from '../services/tunnel-ports';
import { isConditionFailure } from './dynamo-conditions';

type Slot = { claimId: string; until: number };
type Ledger = { slots: Record<string, Slot>; rev: number } | undefined;

const RETENTION_MS = 30 * 86_400_000;
const LEDGER_KEY = { pk: 'TUNNEL#fleet', sk: 'LEDGER' };
const recordKey = (thingName: string) => ({ pk: `TUNNEL#thing/${thingName}`, sk: 'TUNNEL' });

/**
 * Tunnel records and the fleet ledger in the state table:
 * - `TUNNEL#thing/<name>` / `TUNNEL`: one record per thing, claimed with a conditional put;
 * - `TUNNEL#fleet` / `LEDGER`: the live tunnels (thing -> claim, lifetime end) under the fleet cap.
 *   A plain counter would leak when AWS closes a tunnel at its max lifetime without telling us, so
 *   the ledger forgets entries past their lifetime and is written with optimistic concurrency.
 */
export function dynamoTunnelStore(client: DynamoDBDocumentClient, tableName: string): TunnelStore {
  const update = async (thingName: string, expression: string, condition: string, values: object) => {
    try {
      await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: recordKey(thingName),
          UpdateExpression: expression,
          ConditionExpression: condition,
          ExpressionAttributeNames: `${expression} ${condition}`.includes('#s')
            ? { '#s': 'status' }
            : undefined,
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  };

  const readLedger = async (): Promise<Ledger> => {
    const { Item } = await client.send(
      new GetCommand({ TableName: tableName, Key: LEDGER_KEY, ConsistentRead: true }),
    );
    return Item ? { slots: (Item.slots ?? {}) as Record<string, Slot>, rev: Number(Item.rev) } : undefined;
  };

  /** Rewrites the ledger if nobody changed it since it was read; false means read again. */
  const writeLedger = async (ledger: Ledger, slots: Record<string, Slot>): Promise<boolean> => {
    try {
      await client.send(
        new PutCommand({
          TableName: tableName,
          Item: { ...LEDGER_KEY, slots, rev: (ledger?.rev ?? 0) + 1 },
          ConditionExpression: ledger ? 'rev = :rev' : 'attribute_not_exists(pk)',
          ExpressionAttributeValues: ledger ? { ':rev': ledger.rev } : undefined,
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  };

  const live = (slots: Record<string, Slot>, now: number) =>
    Object.fromEntries(Object.entries(slots).filter(([, s]) => s.until > now));

  return {
    async get(thingName) {
      const { Item } = await client.send(
        new GetCommand({ TableName: tableName, Key: recordKey(thingName), ConsistentRead: true }),
      );
      return Item ? toRecord(Item) : undefined;
    },

    async getMany(thingNames) {
      const out: TunnelRecord[] = [];
      for (let i = 0; i < thingNames.length; i += 100) {
        const keys = thingNames.slice(i, i + 100).map(recordKey);
        const { Responses } = await client.send(
          new BatchGetCommand({ RequestItems: { [tableName]: { Keys: keys, ConsistentRead: true } } }),
        );
        for (const item of Responses?.[tableName] ?? []) out.push(toRecord(item));
      }
      return out;
    },

    async claim(record, now) {
      const ttl = ttlOf(record);
      try {
        await client.send(
          new PutCommand({
            TableName: tableName,
            Item: { ...recordKey(record.thingName), ...record, expiresAt: ttl },
            ConditionExpression:
              'attribute_not_exists(pk) OR ((#s = :closed OR #s = :released OR lifetimeEndsAt <= :now) AND nextAllowedAt <= :now)',
            ExpressionAttributeNames: { '#s': 'status' },
            ExpressionAttributeValues: {
              ':closed': RECORD_STATUS.CLOSED,
              ':released': RECORD_STATUS.RELEASED,
              ':now': now,
            },
          }),
        );
        return true;
      } catch (error) {
        if (isConditionFailure(error)) return false;
        throw error;
      }
    },

    async markOpen(thingName, claimId, opened) {
      const { tunnelId, tunnelArn } = opened;
      const done = await update(
        thingName,
        'SET #s = :open, tunnelId = :id, tunnelArn = :arn, openedAt = :at, lifetimeEndsAt = :end, nextAllowedAt = :next, expiresAt = :ttl',
        'claimId = :claim AND (#s = :opening OR #s = :open)',
        {
          ':open': RECORD_STATUS.OPEN,
          ':opening': RECORD_STATUS.OPENING,
          ':id': tunnelId,
          ':arn': tunnelArn,
          ':at': opened.openedAt,
          ':end': opened.lifetimeEndsAt,
          ':next': opened.nextAllowedAt,
          ':ttl': ttlOf(opened),
          ':claim': claimId,
        },
      );
      if (!done) throw new Error(`tunnel record for ${thingName} changed while opening ${tunnelId}`);
    },

    async markAnnounced(thingName, claimId) {
      await update(thingName, 'SET announced = :t', 'claimId = :claim', { ':t': true, ':claim': claimId });
    },

    async release(thingName, claimId, now) {
      await update(
        thingName,
        'SET #s = :released, nextAllowedAt = :now',
        'claimId = :claim AND #s = :opening',
        {
          ':released': RECORD_STATUS.RELEASED,
          ':opening': RECORD_STATUS.OPENING,
          ':now': now,
          ':claim': claimId,
        },
      );
    },

    markClosed(thingName, tunnelId, { at, by, cause }) {
      return update(
        thingName,
        'SET #s = :closed, closedAt = :at, closedBy = :by, closeCause = :cause',
        'tunnelId = :id AND #s = :open',
        {
          ':closed': RECORD_STATUS.CLOSED,
          ':open': RECORD_STATUS.OPEN,
          ':at': at,
          ':by': by,
          ':cause': cause,
          ':id': tunnelId,
        },
      );
    },

    async reserveSlot(thingName, claimId, until, max, now) {
      for (let attempt = 0; attempt < 8; attempt++) {
        const ledger = await readLedger();
        const slots = live(ledger?.slots ?? {}, now);
        const others = Object.keys(slots).filter((t) => t !== thingName).length;
        if (others >= max) return { ok: false, open: others };
        if (await writeLedger(ledger, { ...slots, [thingName]: { claimId, until } })) return { ok: true };
      }
      throw new Error('fleet tunnel ledger is contended; retry later');
    },

    async releaseSlot(thingName, claimId) {
      for (let attempt = 0; attempt < 8; attempt++) {
        const ledger = await readLedger();
        if (ledger?.slots[thingName]?.claimId !== claimId) return;
        const { [thingName]: _gone, ...rest } = ledger.slots;
        if (await writeLedger(ledger, rest)) return;
      }
      throw new Error('fleet tunnel ledger is contended; retry later');
    },

    async refreshSlot(thingName, claimId, until) {
      for (let attempt = 0; attempt < 8; attempt++) {
        const ledger = await readLedger();
        const slot = ledger?.slots[thingName];
        if (!ledger || slot?.claimId !== claimId || slot.until === until) return;
        if (await writeLedger(ledger, { ...ledger.slots, [thingName]: { claimId, until } })) return;
      }
      throw new Error('fleet tunnel ledger is contended; retry later');
    },

    async liveThings(now) {
      return Object.keys(live((await readLedger())?.slots ?? {}, now)).sort();
    },
  };
}

/** The table's TTL (seconds): 30 days after the later of the lifetime end and the cooldown. */
function ttlOf(r: { lifetimeEndsAt: number; nextAllowedAt: number }): number {
  return Math.floor((Math.max(r.lifetimeEndsAt, r.nextAllowedAt) + RETENTION_MS) / 1000);
}

function toRecord(item: Record<string, unknown>): TunnelRecord {
  const { pk: _pk, sk: _sk, expiresAt: _ttl, ...record } = item;
  return record as TunnelRecord;
}
