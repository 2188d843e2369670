import { describe, expect, it } from 'vitest';
import { compileRulesText } from '../../../shared/domain/grouping/rules-text';
import { previewThings } from '../../../shared/domain/onboarding/preview';

const rules = compileRulesText('version: 1\nrules:\n  - name: site\n    group: "site-{site}"\n');
const job = {
  jobId: 'fw-28-12345678-s1',
  groups: ['fleet-autopilot-fw-28-12345678-s1'],
  dynamic: [
    {
      group: 'fleet-autopilot-fw-28-12345678-s1',
      query: 'attributes.model:th200 AND thingGroupNames:site-plant-7 AND connectivity.connected:true',
    },
  ],
};
const thing = (thingName: string, model: string, site = 'plant-7') => ({
  line: 2,
  thingName,
  thingType: 'sensor',
  attributes: { model, site },
});
const none = { exists: false, managed: [], memberships: [] };

describe('fleet groups preview: running continuous jobs on dynamic groups', () => {
  it('lists a device whose attributes and new groups would match the query, with its connectivity now', () => {
    const previews = previewThings(
      rules,
      [
        thing('online', 'th200'),
        thing('offline', 'th200'),
        thing('other-model', 'th300'),
        thing('elsewhere', 'th200', 'plant-1'),
      ],
      new Map(),
      [job],
      new Map([['online', { connectivity: { connected: true, timestamp: 1 } }]]),
    );
    expect(previews.map((p) => [p.thingName, p.jobs.map((j) => j.via)])).toEqual([
      ['online', ['fleet-autopilot-fw-28-12345678-s1 (query)']],
      ['offline', ['fleet-autopilot-fw-28-12345678-s1 (query, once connected)']],
      ['other-model', []],
      ['elsewhere', []],
    ]);
  });

  it('does not list a device already in the dynamic group', () => {
    const [p] = previewThings(
      rules,
      [thing('member', 'th200')],
      new Map([['member', { ...none, exists: true, memberships: ['fleet-autopilot-fw-28-12345678-s1'] }]]),
      [job],
      new Map([['member', { connectivity: { connected: true, timestamp: 1 } }]]),
    );
    expect(p?.jobs).toEqual([]);
  });
});
