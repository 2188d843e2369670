import { describe, expect, it } from 'vitest';
import { canonicalNumber, itemId } from '../../../local/emulators/dynamodb/keys';

describe('number keys in the local DynamoDB’s transactions', () => {
  it.each([
    ['1', '1.0', '10E-1', '0.1e1', '+1', '001.000'],
    ['100', '1e2', '1E+2', '100.0'],
    ['-12.5', '-125e-1', '-0.125E2'],
    ['0', '-0', '0.000', '0e5'],
  ])('spells %s and its equals one way', (...spellings) => {
    expect(new Set(spellings.map(canonicalNumber)).size).toBe(1);
  });

  it('keeps different numbers apart', () => {
    const numbers = ['1', '-1', '10', '0.1', '1.01', '12345678901234567890123456789012345678'];
    expect(new Set(numbers.map(canonicalNumber)).size).toBe(numbers.length);
  });

  it('makes one item of number keys spelled differently', () => {
    const names = ['id'];
    expect(itemId('T', { id: { N: '1' } }, names)).toBe(itemId('T', { id: { N: '1.0' } }, names));
    expect(itemId('T', { id: { N: '1' } }, names)).not.toBe(itemId('T', { id: { S: '1' } }, names));
  });
});
