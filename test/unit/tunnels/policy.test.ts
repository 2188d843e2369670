import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decideOpen } from '../../../shared/domain/tunnels/decide';
import type { TunnelPolicy } from '../../../shared/domain/tunnels/policy';
import { parsePolicyText } from '../../../shared/domain/tunnels/policy-text';
import { RECORD_STATUS, type TunnelRecord } from '../../../shared/domain/tunnels/tunnel-record';

const shipped = readFileSync('config/tunnel-policy.yml', 'utf8');
const policy = (patch: Partial<TunnelPolicy> = {}): TunnelPolicy => ({
  ...parsePolicyText(shipped),
  ...patch,
});
const NOW = Date.parse('2026-01-01T10:00:00Z');
const MIN = 60_000;

function record(patch: Partial<TunnelRecord> = {}): TunnelRecord {
  return {
    thingName: 'sensor-1',
    status: RECORD_STATUS.OPEN,
    claimId: 'evt-0',
    alarmName: 'fleet-tunnel-cpu',
    alarmArn: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:fleet-tunnel-cpu',
    alarmStateAt: NOW - 10 * MIN,
    auditId: 'a',
    services: ['SSH'],
    lifetimeMinutes: 60,
    openedAt: NOW - 10 * MIN,
    lifetimeEndsAt: NOW + 50 * MIN,
    nextAllowedAt: NOW + 20 * MIN,
    tunnelId: 'tunnel-1',
    ...patch,
  };
}
const decide = (p: TunnelPolicy, r?: TunnelRecord, groups: string[] = [], exists = true) =>
  decideOpen({ policy: p, thingName: 'sensor-1', thing: { exists, groups }, record: r, now: NOW });

describe('tunnel policy file', () => {
  it('ships a valid policy with the documented defaults', () => {
    expect(parsePolicyText(shipped)).toMatchObject({
      alarms: { namePrefix: 'fleet-tunnel-' },
      services: ['SSH'],
      maxLifetimeMinutes: 60,
      closeOnOk: true,
    });
  });

  it('rejects lifetimes AWS does not allow, unknown keys and repeated services, naming each', () => {
    const bad = shipped
      .replace('maxLifetimeMinutes: 60', 'maxLifetimeMinutes: 721')
      .replace('services: [SSH]', 'services: [SSH, SSH]')
      .replace('closeOnOk: true', 'closeOnOk: true\nopenOnInsufficientData: true');
    const issues = (() => {
      try {
        parsePolicyText(bad);
      } catch (error) {
        return (error as { issues: string[] }).issues.join('\n');
      }
    })();
    expect(issues).toMatch(/maxLifetimeMinutes: /);
    expect(issues).toMatch(/services: services must not repeat/);
    expect(issues).toMatch(/openOnInsufficientData/);
    expect(() => parsePolicyText('maxLifetimeMinutes: 0')).toThrow(/tunnel policy/);
    expect(() => parsePolicyText('{ not yaml')).toThrow(/not valid YAML/);
    expect(() => parsePolicyText(shipped.replace('services: [SSH]', 'services: []'))).toThrow(/services/);
  });
});

describe('decideOpen', () => {
  it('opens for an existing thing with no record, for the policy lifetime and cooldown', () => {
    expect(decide(policy())).toEqual({
      open: true,
      lifetimeEndsAt: NOW + 60 * MIN,
      nextAllowedAt: NOW + 30 * MIN,
    });
  });

  it('refuses a missing thing, a denied group and a thing outside the allowed groups', () => {
    expect(decide(policy(), undefined, [], false)).toMatchObject({ open: false, code: 'thing-not-found' });
    expect(decide(policy(), undefined, ['no-remote-access'])).toMatchObject({
      open: false,
      code: 'group-denied',
    });
    const allowOnly = policy({ thingGroups: { allow: ['canary'], deny: [] } });
    expect(decide(allowOnly, undefined, ['prod'])).toMatchObject({ open: false, code: 'group-not-allowed' });
    expect(decide(allowOnly, undefined, ['prod', 'canary'])).toMatchObject({ open: true });
  });

  it('refuses while a tunnel is open or opening, but not past its lifetime', () => {
    expect(decide(policy(), record())).toMatchObject({ open: false, code: 'already-open' });
    expect(decide(policy(), record({ status: RECORD_STATUS.OPENING }))).toMatchObject({
      code: 'already-open',
    });
    const expired = record({ lifetimeEndsAt: NOW - 1, nextAllowedAt: NOW - 1 });
    expect(decide(policy(), expired)).toMatchObject({ open: true });
  });

  it('keeps the cooldown after a close, and lets a released claim through at once', () => {
    expect(decide(policy(), record({ status: RECORD_STATUS.CLOSED }))).toMatchObject({ code: 'cooldown' });
    expect(decide(policy(), record({ status: RECORD_STATUS.CLOSED, nextAllowedAt: NOW }))).toMatchObject({
      open: true,
    });
    const released = record({ status: RECORD_STATUS.RELEASED, nextAllowedAt: NOW - 1 });
    expect(decide(policy(), released)).toMatchObject({ open: true });
  });
});
