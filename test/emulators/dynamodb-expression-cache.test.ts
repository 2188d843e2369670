import { createRequire } from 'node:module';
import { afterAll, describe, expect, it } from 'vitest';
import { cachedParse } from '../../local/emulators/dynamodb/expression-cache';

/**
 * The local DynamoDB's expression cache, side by side with dynalite's own parsers: for every request,
 * the same validation answer and the same parsed expressions, whether the parse came from the cache
 * (a second request of the same shape, other values) or not.
 */
type Parse = (input: string, options: { context: object }) => unknown;
type ParserModule = { parse: Parse; uncached?: Parse };
type Request = Record<string, unknown>;

const fromDynalite = createRequire(createRequire(import.meta.url).resolve('dynalite'));
const validations = fromDynalite('./validations/index.js') as { validateExpressions(data: Request): unknown };
const modules = ['conditionParser', 'updateParser', 'projectionParser'].map(
  (name) => fromDynalite(`./db/${name}`) as ParserModule,
);
const installed = modules.map((m) => m.parse);
const originals = modules.map((m) => m.uncached ?? m.parse);
afterAll(() => {
  modules.forEach((m, i) => {
    m.parse = installed[i] as Parse;
  });
});

/** dynalite's validation of a request's expressions, with its own parsers or with `cached` ones. */
function validate(request: Request, cached?: Parse[]) {
  modules.forEach((m, i) => {
    m.parse = (cached ?? originals)[i] as Parse;
  });
  const data = structuredClone(request);
  const error = validations.validateExpressions(data);
  const { _updates, _condition, _keyCondition, _filter, _projection } = data;
  return { error, parsed: { _updates, _condition, _keyCondition, _filter, _projection }, data };
}

const S = (s: string) => ({ S: s });
const N = (n: number) => ({ N: String(n) });

/** Each case: a request shape, then the values of two requests of that shape. */
const CASES: [string, Request, Record<string, unknown>[]][] = [
  [
    'idempotency record',
    {
      ConditionExpression:
        'attribute_not_exists(#id) OR #expiry < :now OR (attribute_exists(#ip) AND #ip < :ipe AND #status = :inp)',
      ExpressionAttributeNames: {
        '#id': 'id',
        '#expiry': 'expiration',
        '#ip': 'in_progress',
        '#status': 'status',
      },
    },
    [
      { ':now': N(1), ':ipe': N(2), ':inp': S('INPROGRESS') },
      { ':now': N(5), ':ipe': N(9), ':inp': S('COMPLETED') },
    ],
  ],
  [
    'lease',
    {
      UpdateExpression:
        'SET leaseUntil = :until, leaseEvent = :event, rev = if_not_exists(rev, :zero) + :one',
      ConditionExpression: 'attribute_not_exists(pk) OR rev = :rev',
    },
    [
      { ':until': N(10), ':event': S('e1'), ':zero': N(0), ':one': N(1), ':rev': N(3) },
      { ':until': N(20), ':event': S('e2'), ':zero': N(0), ':one': N(1), ':rev': N(4) },
    ],
  ],
  [
    'counters with a bucket',
    {
      UpdateExpression: 'ADD succeeded :s, failed :f, #ok :ok',
      ExpressionAttributeNames: { '#ok': 'ok_17' },
    },
    [
      { ':s': N(1), ':f': N(0), ':ok': N(1) },
      { ':s': N(-1), ':f': N(1), ':ok': N(-1) },
    ],
  ],
  ['ADD of a string (a type error)', { UpdateExpression: 'ADD n :v' }, [{ ':v': S('a') }, { ':v': S('b') }]],
  [
    'begins_with of a number (a type error)',
    { ConditionExpression: 'begins_with(x, :p)' },
    [{ ':p': N(1) }, { ':p': N(2) }],
  ],
  [
    'begins_with',
    { ConditionExpression: 'begins_with(x, :p) AND size(l) > :n' },
    [
      { ':p': S('a'), ':n': N(1) },
      { ':p': S('b'), ':n': N(2) },
    ],
  ],
  [
    'IN and contains',
    { ConditionExpression: 'a IN (:x, :y) OR contains(tags, :t)' },
    [
      { ':x': S('1'), ':y': S('2'), ':t': S('t') },
      { ':x': S('3'), ':y': S('4'), ':t': S('u') },
    ],
  ],
  [
    'lists and sets',
    {
      UpdateExpression: 'SET #l = list_append(#l, :items) REMOVE a, b DELETE tags :gone',
      ExpressionAttributeNames: { '#l': 'log' },
    },
    [
      { ':items': { L: [S('x')] }, ':gone': { SS: ['a'] } },
      { ':items': { L: [S('y'), N(2)] }, ':gone': { SS: ['b', 'c'] } },
    ],
  ],
  [
    'a value not defined',
    { ConditionExpression: 'a = :missing' },
    [{ ':other': S('x') }, { ':other': S('y') }],
  ],
  [
    'a value left unused',
    { ConditionExpression: 'a = :v' },
    [
      { ':v': S('x'), ':extra': S('e') },
      { ':v': S('y'), ':extra': S('f') },
    ],
  ],
  ['a reserved word', { ConditionExpression: 'status = :v' }, [{ ':v': S('x') }, { ':v': S('y') }]],
  ['a syntax error', { ConditionExpression: 'a = = :v' }, [{ ':v': S('x') }, { ':v': S('y') }]],
  [
    'BETWEEN (never cached)',
    { ConditionExpression: 'n BETWEEN :lo AND :hi' },
    [
      { ':lo': N(1), ':hi': N(5) },
      { ':lo': N(9), ':hi': N(5) },
    ],
  ],
  [
    'attribute_type (never cached)',
    { ConditionExpression: 'attribute_type(a, :t)' },
    [{ ':t': S('S') }, { ':t': S('nope') }],
  ],
  [
    'key condition, filter and projection',
    {
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :pre)',
      FilterExpression: 'attribute_exists(#d) AND NOT #d = :v',
      ProjectionExpression: 'pk, #d.inner[1]',
      ExpressionAttributeNames: { '#d': 'details' },
    },
    [
      { ':pk': S('ROLLOUT#a'), ':pre': S('STAGE#'), ':v': S('x') },
      { ':pk': S('ROLLOUT#b'), ':pre': S('APPROVAL#'), ':v': S('y') },
    ],
  ],
];

describe('dynalite expression parses cached by shape', () => {
  const cached = originals.map((parse) => cachedParse(parse));

  it.each(CASES)(
    '%s: the same answer as dynalite’s own parsers, request after request',
    (_what, shape, values) => {
      for (const vals of [...values, ...values]) {
        const request = { ...shape, ExpressionAttributeValues: vals };
        const own = validate(request);
        const fromCache = validate(request, cached);
        expect(fromCache.error).toEqual(own.error);
        expect(fromCache.parsed).toEqual(own.parsed);
      }
    },
  );

  it('crosses off what an expression uses whatever the request’s other expressions used', () => {
    // Prepare: the condition's parse is kept from a request whose update also used :v.
    const condition = 'attribute_not_exists(b) OR b = :v';
    const first = { UpdateExpression: 'SET a = :v', ConditionExpression: condition };
    const second = { UpdateExpression: 'REMOVE a', ConditionExpression: condition };
    const values = { ExpressionAttributeValues: { ':v': S('x') } };
    validate({ ...first, ...values }, cached);

    // Act
    const fromCache = validate({ ...second, ...values }, cached);

    // Assess
    const own = validate({ ...second, ...values });
    expect(own.error).toBeUndefined();
    expect(fromCache.error).toEqual(own.error);
    expect(fromCache.parsed).toEqual(own.parsed);
  });

  it('fills a cached parse with the request’s own values', () => {
    // Prepare
    const shape = { UpdateExpression: 'SET a = :a' };
    validate({ ...shape, ExpressionAttributeValues: { ':a': S('first') } }, cached);

    // Act
    const second = validate({ ...shape, ExpressionAttributeValues: { ':a': S('second') } }, cached);

    // Assess
    const values = second.data.ExpressionAttributeValues as Record<string, unknown>;
    expect(JSON.stringify(second.parsed._updates)).toContain('second');
    expect(JSON.stringify(second.parsed._updates)).not.toContain('first');
    expect(JSON.stringify(second.parsed._updates)).toContain(JSON.stringify(values[':a']));
  });

  it('gives each request a result of its own (a change to one does not reach the next)', () => {
    // Prepare
    const request = { ConditionExpression: 'a = :v', ExpressionAttributeValues: { ':v': S('x') } };
    const first = validate(request, cached);
    (first.parsed._condition as { expression: { args: unknown[] } }).expression.args.length = 0;

    // Act
    const second = validate(request, cached);

    // Assess
    expect(second.parsed).toEqual(validate(request).parsed);
  });
});
