import { describe, expect, it } from 'vitest';
import {
  clipText,
  MAX_EXPLANATION,
  selfCheckFailure,
} from '../../../shared/domain/rollout/health-self-check';

describe('statusDetails self-check', () => {
  it('passes when every condition holds', () => {
    // Prepare
    const rule = {
      selfTest: { equals: 'pass' },
      channel: { oneOf: ['stable', 'beta'] },
      bootCount: { atMost: 2 },
      battery: { atLeast: 20 },
    };
    const details = { selfTest: 'pass', channel: 'beta', bootCount: '2', battery: '20.5', extra: 'x' };

    // Act
    const failure = selfCheckFailure(rule, details);

    // Assess
    expect(failure).toBeUndefined();
  });

  it('explains an equals mismatch', () => {
    expect(selfCheckFailure({ selfTest: { equals: 'pass' } }, { selfTest: 'fail' })).toBe(
      'selfTest is "fail", expected "pass"',
    );
  });

  it('explains a value outside oneOf', () => {
    expect(selfCheckFailure({ channel: { oneOf: ['stable', 'beta'] } }, { channel: 'dev' })).toBe(
      'channel is "dev", expected one of "stable", "beta"',
    );
  });

  it('explains a number above atMost', () => {
    expect(selfCheckFailure({ bootCount: { atMost: 2 } }, { bootCount: '3' })).toBe(
      'bootCount is 3, expected at most 2',
    );
  });

  it('explains a number below atLeast', () => {
    expect(selfCheckFailure({ battery: { atLeast: 20 } }, { battery: '19.9' })).toBe(
      'battery is 19.9, expected at least 20',
    );
  });

  it('fails a key the device did not report', () => {
    expect(selfCheckFailure({ selfTest: { equals: 'pass' } }, { other: 'pass' })).toBe(
      'selfTest missing from statusDetails',
    );
  });

  it.each([null, undefined])('fails every rule when statusDetails is %s', (details) => {
    expect(selfCheckFailure({ selfTest: { equals: 'pass' } }, details)).toBe(
      'selfTest missing from statusDetails',
    );
  });

  it('does not find a key on Object.prototype', () => {
    expect(selfCheckFailure({ constructor: { oneOf: ['x'] } }, {})).toBe(
      'constructor missing from statusDetails',
    );
  });

  it('treats a non-string value in a stored copy as missing', () => {
    const details = { bootCount: 1 } as unknown as Record<string, string>;
    expect(selfCheckFailure({ bootCount: { atMost: 2 } }, details)).toBe(
      'bootCount missing from statusDetails',
    );
  });

  it.each(['abc', '', '   ', 'Infinity', 'NaN'])('refuses %j as a number', (value) => {
    expect(selfCheckFailure({ bootCount: { atMost: 2 } }, { bootCount: value })).toBe(
      `bootCount is ${JSON.stringify(value)}, not a number`,
    );
  });

  it('explains the first failing key in sorted order, whatever order the plan wrote', () => {
    // Prepare
    const rule = { zeta: { equals: 'ok' }, alpha: { equals: 'ok' } };

    // Act
    const failure = selfCheckFailure(rule, { zeta: 'bad', alpha: 'bad' });

    // Assess
    expect(failure).toBe('alpha is "bad", expected "ok"');
  });

  it('keeps the explanation within 200 characters whatever the values', () => {
    // Prepare
    const long = 'v'.repeat(128);
    const rule = {
      ['k'.repeat(128)]: { oneOf: Array.from({ length: 20 }, (_, i) => `${i}${long}`.slice(0, 128)) },
    };

    // Act
    const failure = selfCheckFailure(rule, { ['k'.repeat(128)]: long });

    // Assess
    expect(failure?.length).toBeLessThanOrEqual(MAX_EXPLANATION);
    expect(failure).toMatch(/^k+… is "v+…", expected one of /);
  });

  it('escapes control characters a device put in a value', () => {
    expect(selfCheckFailure({ selfTest: { equals: 'pass' } }, { selfTest: 'fail\nALL OK' })).toBe(
      'selfTest is "fail\\nALL OK", expected "pass"',
    );
  });
});

describe('clipText', () => {
  it('leaves short text alone', () => {
    expect(clipText('abc', 3)).toBe('abc');
  });

  it('cuts long text to the limit with an ellipsis', () => {
    expect(clipText('abcdef', 4)).toBe('abc…');
  });

  it('does not split a surrogate pair', () => {
    expect(clipText('ab😀cd', 4)).toBe('ab…');
  });
});
