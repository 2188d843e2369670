import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { hostileThingAlarmCases, malformedAlarmCases } from './cases-alarm';
import { planCases, rulesCases } from './cases-config';
import { jobEventCases, registryCases, stepCases, trackerCases } from './cases-events';
import { csvCases, policyCases } from './cases-files';
import { rolloutApiCases, tunnelApiCases } from './cases-http';

// The bad-input case counts per entry point, printed and held equal to the table in docs/reliability.md.
const COUNTS: [string, () => number][] = [
  ['assign-groups (SQS registry events)', () => registryCases().length],
  ['job-events-bridge (IoT rule job events)', () => jobEventCases().length],
  ['rollout-tracker (EventBridge)', () => trackerCases().length],
  ['rollout-steps (state machine tasks)', () => stepCases().length],
  [
    'alarm-tunnel (CloudWatch alarm events)',
    () => malformedAlarmCases().length + hostileThingAlarmCases().length,
  ],
  ['rollout-api (HTTP API)', () => rolloutApiCases().length],
  ['tunnel-api (HTTP API)', () => tunnelApiCases().length],
  ['grouping rules file', () => rulesCases().length],
  ['rollout plans', () => planCases().length],
  ['tunnel policy', () => policyCases().length],
  ['onboarding CSV', () => csvCases().length],
];

describe('bad-input figures', () => {
  it('match the table in docs/reliability.md', () => {
    const doc = readFileSync('docs/reliability.md', 'utf8');
    const rows = COUNTS.map(([entry, count]) => `| ${entry} | ${count()} |`);
    console.info(['| entry point | cases |', '| --- | ---: |', ...rows].join('\n'));
    for (const row of rows) expect(doc, row).toContain(row);
  });
});
