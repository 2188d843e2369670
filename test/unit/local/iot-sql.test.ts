import { describe, expect, it } from 'vitest';
import { compileIotSql, topicMatches } from '../../../local/runtime/iot-sql';

describe('topicMatches()', () => {
  it('follows MQTT wildcards: + is one level, # is the rest', () => {
    expect(topicMatches('$aws/events/thing/+/+', '$aws/events/thing/t1/created')).toBe(true);
    expect(topicMatches('$aws/events/thing/+/+', '$aws/events/thing/t1/created/x')).toBe(false);
    expect(topicMatches('$aws/events/jobExecution/#', '$aws/events/jobExecution/j1/succeeded')).toBe(true);
    expect(topicMatches('$aws/events/job/#', '$aws/events/jobExecution/j1/succeeded')).toBe(false);
  });
});

describe('compileIotSql()', () => {
  it('selects the message and computed fields for matching topics', () => {
    const rule = compileIotSql("SELECT *, topic(4) AS thing FROM '$aws/events/thing/+/+'");
    expect(rule.select({ a: 1 }, '$aws/events/thing/t1/created', 5)).toEqual({ a: 1, thing: 't1' });
    expect(rule.select({ a: 1 }, '$aws/events/job/j1/completed', 5)).toBeUndefined();
  });

  it('filters with WHERE conditions combining = and <> with AND / OR', () => {
    const rule = compileIotSql(
      "SELECT * FROM '$aws/events/thing/+/+' WHERE topic(5) = 'created' OR (topic(5) = 'updated' AND operation <> 'X')",
    );
    expect(rule.select({ operation: 'UPDATED' }, '$aws/events/thing/t/updated', 0)).toBeDefined();
    expect(rule.select({ operation: 'X' }, '$aws/events/thing/t/updated', 0)).toBeUndefined();
    expect(rule.select({}, '$aws/events/thing/t/deleted', 0)).toBeUndefined();
  });

  it('refuses SQL it does not understand rather than guessing', () => {
    expect(() => compileIotSql("SELECT get(x, 1) FROM 'a'")).toThrow(/Unsupported/);
  });
});
