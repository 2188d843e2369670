import { describe, expect, it } from 'vitest';
import { auditConfigSchema, loadConfig } from '../../../shared/config';
import { ConfigurationError } from '../../../shared/errors';

describe('loadConfig()', () => {
  it('returns a frozen, typed config', () => {
    const config = loadConfig(auditConfigSchema, { AUDIT_TABLE_NAME: 'audit', AUDIT_RETENTION_DAYS: '400' });
    expect(config).toEqual({ AUDIT_TABLE_NAME: 'audit', AUDIT_RETENTION_DAYS: 400 });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('names every missing or malformed variable in one error', () => {
    try {
      loadConfig(auditConfigSchema, { AUDIT_RETENTION_DAYS: 'soon' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigurationError);
      expect((error as ConfigurationError).problems).toEqual([
        'AUDIT_TABLE_NAME is not set',
        expect.stringMatching(/^AUDIT_RETENTION_DAYS: /),
      ]);
    }
  });
});
