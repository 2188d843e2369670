import type { Clock } from '../common/clock';
import type { Dynalite } from './backend';
import { isObject, type JsonObject, validation } from './errors';
import { KeySchemas, keyOf } from './keys';

interface Setting {
  enabled: boolean;
  attribute: string;
  changedAt: number;
}

/** AWS: further UpdateTimeToLive calls within an hour of a change fail with ValidationException. */
const TTL_CHANGE_INTERVAL_MS = 60 * 60 * 1000;

/**
 * Time to Live settings, which dynalite lacks. AWS deletes expired items lazily (typically within
 * two days) and reads return them meanwhile, so nothing expires on reads here: only `sweep()`
 * deletes items whose TTL attribute (a Number of epoch seconds) is below the clock's now.
 */
export class TimeToLive {
  readonly #byTable = new Map<string, Setting>();
  deleted = 0;

  constructor(
    private readonly db: Dynalite,
    private readonly clock: Clock,
  ) {}

  async update(input: JsonObject): Promise<JsonObject> {
    const table = await this.#existing(input);
    const spec = input.TimeToLiveSpecification;
    if (!isObject(spec) || typeof spec.Enabled !== 'boolean' || typeof spec.AttributeName !== 'string') {
      throw validation('TimeToLiveSpecification requires Enabled and AttributeName');
    }
    const now = this.clock.now();
    const current = this.#byTable.get(table);
    if (current && now - current.changedAt < TTL_CHANGE_INTERVAL_MS) {
      throw validation('Time to live has been modified multiple times within a fixed interval');
    }
    if (spec.Enabled && current?.enabled) throw validation('TimeToLive is already enabled');
    if (!spec.Enabled && !current?.enabled) throw validation('TimeToLive is already disabled');
    this.#byTable.set(table, { enabled: spec.Enabled, attribute: spec.AttributeName, changedAt: now });
    return { TimeToLiveSpecification: { AttributeName: spec.AttributeName, Enabled: spec.Enabled } };
  }

  async describe(input: JsonObject): Promise<JsonObject> {
    const setting = this.#byTable.get(await this.#existing(input));
    if (!setting?.enabled) return { TimeToLiveDescription: { TimeToLiveStatus: 'DISABLED' } };
    return { TimeToLiveDescription: { TimeToLiveStatus: 'ENABLED', AttributeName: setting.attribute } };
  }

  /** A deleted table loses its setting. */
  forget(table: string): void {
    this.#byTable.delete(table);
  }

  /** Deletes the expired items of every table with TTL enabled; the caller holds the write mutex. */
  async sweep(now = this.clock.now()): Promise<number> {
    let deleted = 0;
    for (const [table, setting] of this.#byTable) {
      if (!setting.enabled) continue;
      const names = await new KeySchemas(this.db).of(table);
      let start: unknown;
      do {
        const page = await this.db.call('Scan', {
          TableName: table,
          ConsistentRead: true,
          FilterExpression: '#ttl < :now',
          ExpressionAttributeNames: { '#ttl': setting.attribute },
          ExpressionAttributeValues: { ':now': { N: String(Math.floor(now / 1000)) } },
          ...(start ? { ExclusiveStartKey: start } : {}),
        });
        const items = Array.isArray(page.Items) ? page.Items.filter(isObject) : [];
        for (const item of items)
          await this.db.call('DeleteItem', { TableName: table, Key: keyOf(item, names) });
        deleted += items.length;
        start = page.LastEvaluatedKey;
      } while (start);
    }
    this.deleted += deleted;
    return deleted;
  }

  async #existing(input: JsonObject): Promise<string> {
    if (typeof input.TableName !== 'string') throw validation('TableName is required');
    await this.db.call('DescribeTable', { TableName: input.TableName }); // ResourceNotFoundException
    return input.TableName;
  }
}
