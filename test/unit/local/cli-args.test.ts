import { describe, expect, it } from 'vitest';
import { CliUsageError, parseCliArgs } from '../../../local/cli-args';

describe('npm start options', () => {
  it('runs the containers in the stack thread unless --threads says otherwise', () => {
    expect(parseCliArgs([]).threads).toBeUndefined();
    expect(parseCliArgs(['--threads', '0']).threads).toBe(0);
    expect(parseCliArgs(['--threads', '2']).threads).toBe(2);
  });

  it.each(['-1', '1.5', 'two', '', ' 2', '9'])('refuses --threads=%j with a usage error', (value) => {
    expect(() => parseCliArgs([`--threads=${value}`])).toThrow(CliUsageError);
    expect(() => parseCliArgs([`--threads=${value}`])).toThrow(/--threads must be an integer from 0 to 8/);
  });

  it('refuses a negative or fractional --seed', () => {
    expect(() => parseCliArgs(['--seed', '-3'])).toThrow(CliUsageError);
    expect(parseCliArgs(['--seed', '42']).seed).toBe(42);
  });
});
