import { INJECTION_NAMES, mutations, SMALL_HOSTILE_VALUES } from './corpus';

// Tunnel policy files and onboarding CSV files.

export type Case = { label: string; value: unknown };
const yaml = (value: unknown) => JSON.stringify(value) ?? '';

const VALID_POLICY = {
  version: 1,
  alarms: { namePrefix: 'fleet-tunnel-' },
  services: ['SSH'],
  maxLifetimeMinutes: 60,
  cooldownMinutes: 30,
  maxOpenTunnels: 10,
};

/** Tunnel policy files (text) that must be refused with InvalidInputError. */
export function policyCases(): Case[] {
  const optional = ['thingGroups', 'closeOnOk'];
  return [
    { label: 'empty', value: '' },
    { label: 'not YAML', value: 'services: [' },
    {
      label: 'prefix of 200,000 chars',
      value: yaml({ ...VALID_POLICY, alarms: { namePrefix: 'x'.repeat(200_000) } }),
    },
    {
      label: '10,000 services',
      value: yaml({ ...VALID_POLICY, services: Array.from({ length: 10_000 }, (_, i) => `s${i}`) }),
    },
    ...mutations(
      VALID_POLICY as Record<string, unknown>,
      SMALL_HOSTILE_VALUES,
      (f, v) => optional.includes(f) && v === undefined,
    ).map((c) => ({ ...c, value: yaml(c.value) })),
    ...INJECTION_NAMES.filter((n) => !/^[a-zA-Z0-9:_-]{1,128}$/.test(n)).map((n) => ({
      label: `service ${JSON.stringify(n).slice(0, 24)}`,
      value: yaml({ ...VALID_POLICY, services: [n] }),
    })),
    { label: 'lifetime 721', value: yaml({ ...VALID_POLICY, maxLifetimeMinutes: 721 }) },
    { label: 'cap 0', value: yaml({ ...VALID_POLICY, maxOpenTunnels: 0 }) },
    { label: 'services repeat', value: yaml({ ...VALID_POLICY, services: ['SSH', 'SSH'] }) },
    { label: '4 services', value: yaml({ ...VALID_POLICY, services: ['a', 'b', 'c', 'd'] }) },
    { label: 'unknown key', value: yaml({ ...VALID_POLICY, openEverything: true }) },
    {
      label: 'deny group of 129',
      value: yaml({ ...VALID_POLICY, thingGroups: { deny: ['g'.repeat(129)] } }),
    },
  ];
}

/** Onboarding CSV files that must come back with problems (and no half-accepted file). */
export function csvCases(): Case[] {
  const header = 'thingName,thingType,attr.region';
  return [
    { label: 'empty', value: '' },
    { label: 'header only, unknown column', value: 'name,type' },
    { label: 'unclosed quote', value: `${header}\n"pump-1,sensor,eu` },
    { label: 'field count mismatch', value: `${header}\npump-1,sensor` },
    { label: 'duplicate thing', value: `${header}\npump-1,sensor,eu\npump-1,sensor,eu` },
    { label: 'attribute value 801 chars', value: `${header}\npump-1,sensor,${'x'.repeat(801)}` },
    { label: 'attribute key __proto__', value: 'thingName,attr.__proto__\npump-1,x' },
    { label: 'attribute value formula', value: `${header}\npump-1,sensor,=cmd|' /C calc'!A0` },
    ...INJECTION_NAMES.filter(
      (n) => !/^[a-zA-Z0-9:_-]{1,128}$/.test(n) && !/[",\r\n]/.test(n) && n.trim() !== '',
    ).map((n) => ({
      label: `thingName ${JSON.stringify(n).slice(0, 24)}`,
      value: `${header}\n${n},sensor,eu`,
    })),
    { label: 'attribute with space', value: `${header}\npump-1,sensor,eu west` },
    { label: 'thing type with slash', value: `${header}\npump-1,a/b,eu` },
  ];
}
