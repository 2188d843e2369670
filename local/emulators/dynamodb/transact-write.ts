import type { Clock } from '../common/clock';
import type { Dynalite } from './backend';
import { DynamoError, isObject, type JsonObject, serviceError, validation } from './errors';
import { itemId, KeySchemas, keyOf, SAME_ITEM, transactItems } from './keys';

const KINDS = ['Put', 'Update', 'Delete', 'ConditionCheck'] as const;
type Kind = (typeof KINDS)[number];
interface Action {
  kind: Kind;
  spec: JsonObject;
  table: string;
  key: JsonObject;
}
type Reason = { Code: string; Message?: string; Item?: JsonObject };

/** AWS: a token stays valid for 10 minutes after the first request using it completes. */
const TOKEN_WINDOW_MS = 10 * 60 * 1000;
const FAILED: Reason = { Code: 'ConditionalCheckFailed', Message: 'The conditional request failed' };

export interface TransactWriteStats {
  committed: number;
  cancelled: number;
  replayed: number;
}

/**
 * TransactWriteItems over dynalite's single-item writes. The caller holds the write mutex, so no
 * other write interleaves: apply each action as its conditional single-item equivalent, keeping the
 * image each write replaced, and on any failure put those images back.
 */
export class TransactWriter {
  readonly #tokens = new Map<string, { fingerprint: string; at: number }>();
  readonly stats: TransactWriteStats = { committed: 0, cancelled: 0, replayed: 0 };

  constructor(
    private readonly db: Dynalite,
    private readonly clock: Clock,
    private readonly schemas: KeySchemas = new KeySchemas(db),
  ) {}

  async run(input: JsonObject): Promise<JsonObject> {
    const actions = await this.#parse(input);
    const token = typeof input.ClientRequestToken === 'string' ? input.ClientRequestToken : undefined;
    const fingerprint = JSON.stringify(input.TransactItems);
    if (token !== undefined && this.#replayed(token, fingerprint)) return {};

    // Each write answers the item as it was (ALL_OLD): the image to put back if the transaction is
    // cancelled later. Only checks and a failed write that wants its old item read the item.
    const snapshots: (JsonObject | undefined)[] = [];
    const reasons: Reason[] = [];
    const applied: number[] = [];
    try {
      for (const [i, a] of actions.entries()) {
        const cancelled = reasons.some((r) => r.Code !== 'None');
        // After a failure the rest are only checked, so every failing condition is reported as AWS does.
        const request =
          cancelled || a.kind === 'ConditionCheck' ? checkOnly(a, await this.#current(a)) : write(a);
        if (request === undefined) {
          reasons.push({ Code: 'None' });
          continue;
        }
        try {
          const out = await this.db.call(request.operation, request.input);
          reasons.push({ Code: 'None' });
          if (request.mutates) {
            snapshots[i] = isObject(out.Attributes) ? out.Attributes : undefined;
            applied.push(i);
          }
        } catch (e) {
          if (!(e instanceof DynamoError) || e.code !== 'ConditionalCheckFailedException') throw e;
          const wantsOld = a.spec.ReturnValuesOnConditionCheckFailure === 'ALL_OLD';
          // A failed write changed nothing: the item as it is now is the one the condition saw.
          const old = wantsOld ? await this.#current(a) : undefined;
          reasons.push(old ? { ...FAILED, Item: old } : { ...FAILED });
        }
      }
    } catch (e) {
      await this.#restore(actions, snapshots, applied);
      throw e;
    }
    if (reasons.some((r) => r.Code !== 'None')) {
      await this.#restore(actions, snapshots, applied);
      this.stats.cancelled += 1;
      const codes = reasons.map((r) => r.Code).join(', ');
      throw serviceError(
        'TransactionCanceledException',
        `Transaction cancelled, please refer cancellation reasons for specific reasons [${codes}]`,
        400,
        { CancellationReasons: reasons },
      );
    }
    this.stats.committed += 1;
    if (token !== undefined) this.#tokens.set(token, { fingerprint, at: this.clock.now() });
    return {};
  }

  async #parse(input: JsonObject): Promise<Action[]> {
    const schemas = this.schemas;
    const seen = new Set<string>();
    const actions: Action[] = [];
    for (const entry of transactItems(input)) {
      const kinds = KINDS.filter((k) => entry[k] !== undefined);
      const kind = kinds[0];
      const spec = kind === undefined ? undefined : entry[kind];
      if (kinds.length !== 1 || kind === undefined || !isObject(spec) || typeof spec.TableName !== 'string') {
        throw validation('TransactItems can only contain one of Check, Put, Update or Delete');
      }
      if (kind === 'ConditionCheck' && typeof spec.ConditionExpression !== 'string') {
        throw validation('The ConditionExpression parameter is required for a ConditionCheck');
      }
      const names = await schemas.of(spec.TableName);
      const source = kind === 'Put' ? spec.Item : spec.Key;
      const key = keyOf(isObject(source) ? source : {}, names);
      const id = itemId(spec.TableName, key, names);
      if (seen.has(id)) throw validation(SAME_ITEM);
      seen.add(id);
      actions.push({ kind, spec, table: spec.TableName, key });
    }
    return actions;
  }

  #replayed(token: string, fingerprint: string): boolean {
    const now = this.clock.now();
    // Tokens are kept in the order they were recorded, which is clock order: expiry stops at the first live one.
    for (const [t, entry] of this.#tokens) {
      if (now - entry.at < TOKEN_WINDOW_MS) break;
      this.#tokens.delete(t);
    }
    const previous = this.#tokens.get(token);
    if (previous === undefined) return false;
    if (previous.fingerprint !== fingerprint) {
      throw serviceError(
        'IdempotentParameterMismatchException',
        'Request parameters do not match the parameters of a previous request with the same client token',
      );
    }
    this.stats.replayed += 1;
    return true;
  }

  /** The item as it is now (the caller holds the write mutex). */
  async #current(a: Action): Promise<JsonObject | undefined> {
    const out = await this.db.call('GetItem', { TableName: a.table, Key: a.key, ConsistentRead: true });
    return isObject(out.Item) ? out.Item : undefined;
  }

  /** Puts back the old image (or deletes an item the transaction created), newest first. */
  async #restore(actions: Action[], snapshots: (JsonObject | undefined)[], applied: number[]): Promise<void> {
    for (const i of [...applied].reverse()) {
      const a = actions[i] as Action;
      const old = snapshots[i];
      if (old) await this.db.call('PutItem', { TableName: a.table, Item: old });
      else await this.db.call('DeleteItem', { TableName: a.table, Key: a.key });
    }
  }
}

interface SingleWrite {
  operation: 'PutItem' | 'UpdateItem' | 'DeleteItem';
  input: JsonObject;
  mutates: boolean;
}

const EXPRESSION_FIELDS = ['ConditionExpression', 'ExpressionAttributeNames', 'ExpressionAttributeValues'];

function write(a: Action): SingleWrite {
  const fields = { ...pick(a.spec, ['TableName', ...EXPRESSION_FIELDS]), ReturnValues: 'ALL_OLD' };
  if (a.kind === 'Put')
    return { operation: 'PutItem', input: { ...fields, Item: a.spec.Item }, mutates: true };
  if (a.kind === 'Delete')
    return { operation: 'DeleteItem', input: { ...fields, Key: a.key }, mutates: true };
  const update = { ...fields, Key: a.key, UpdateExpression: a.spec.UpdateExpression };
  return { operation: 'UpdateItem', input: update, mutates: true };
}

/**
 * Evaluates an action's condition without changing anything: a conditional Put of the item's
 * current image when it exists, a conditional Delete of the absent item otherwise (both no-ops).
 */
function checkOnly(a: Action, current: JsonObject | undefined): SingleWrite | undefined {
  const condition = a.spec.ConditionExpression;
  if (typeof condition !== 'string') return undefined;
  const input: JsonObject = { TableName: a.table, ConditionExpression: condition };
  const names = referenced(a.spec.ExpressionAttributeNames, condition, '#');
  const values = referenced(a.spec.ExpressionAttributeValues, condition, ':');
  if (names) input.ExpressionAttributeNames = names;
  if (values) input.ExpressionAttributeValues = values;
  if (current) return { operation: 'PutItem', input: { ...input, Item: current }, mutates: false };
  return { operation: 'DeleteItem', input: { ...input, Key: a.key }, mutates: false };
}

/** The placeholders a condition uses (dynalite, like AWS, rejects unused ones). */
function referenced(map: unknown, expression: string, sigil: '#' | ':'): JsonObject | undefined {
  if (!isObject(map)) return undefined;
  const used = new Set(expression.match(sigil === '#' ? /#[A-Za-z0-9_]+/g : /:[A-Za-z0-9_]+/g) ?? []);
  const out = Object.fromEntries(Object.entries(map).filter(([k]) => used.has(k)));
  return Object.keys(out).length > 0 ? out : undefined;
}

function pick(source: JsonObject, fields: string[]): JsonObject {
  return Object.fromEntries(fields.filter((f) => source[f] !== undefined).map((f) => [f, source[f]]));
}
