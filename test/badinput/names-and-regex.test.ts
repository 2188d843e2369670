import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluateRules } from '../../shared/domain/grouping/evaluate';
import { GROUP_NAME_PATTERN, sanitizeFragment } from '../../shared/domain/grouping/group-name';
import { compileRulesText } from '../../shared/domain/grouping/rules-text';
import { parseTemplate } from '../../shared/domain/grouping/template';
import { documentUrlIssues } from '../../shared/domain/rollout/document-urls';
import { callerIdentity } from '../../shared/domain/rollout/identity';
import { jobIdFor, parseJobId, ROLLOUT_ID, rolloutIdFor } from '../../shared/domain/rollout/ids';
import { createJobRequest } from '../../shared/domain/rollout/job-request';
import { planDigest, resolvePlan } from '../../shared/domain/rollout/plan';
import { documentSource } from '../../shared/domain/rollout/plan-schema';
import { parseAlarmTime } from '../../shared/domain/tunnels/alarm-event';
import { tagValue, tunnelDescription, tunnelTags } from '../../shared/domain/tunnels/tunnel-record';
import { VALID_RULES } from './cases-config';
import { INJECTION_NAMES, SEED } from './corpus';

// Names built from outside values can never escape AWS's patterns; regexes over outside input are linear.
const RUNS = { seed: SEED, numRuns: 300 };
const hostileString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.constantFrom(...INJECTION_NAMES),
);

describe('outside values cannot inject into names', () => {
  it('group names from any attribute values match [a-zA-Z0-9:_-]{1,128}', () => {
    const rules = compileRulesText(JSON.stringify(VALID_RULES));
    fc.assert(
      fc.property(
        fc.dictionary(fc.constantFrom('region', 'site', 'model', 'constructor'), hostileString),
        hostileString,
        (attributes, type) => {
          for (const o of evaluateRules(rules, { thingName: 'pump-1', thingType: type, attributes })) {
            if (o.outcome === 'applied')
              for (const n of [...o.parents, o.group]) expect(n).toMatch(GROUP_NAME_PATTERN);
          }
        },
      ),
      RUNS,
    );
  });

  it('a rule placeholder naming an Object.prototype member reads nothing from the prototype', () => {
    const rules = compileRulesText(
      JSON.stringify({ version: 1, rules: [{ name: 'p', group: 'p-{constructor}-{toString}' }] }),
    );
    expect(evaluateRules(rules, { thingName: 't', attributes: {} })[0]).toMatchObject({
      outcome: 'not-applied',
    });
  });

  it('rollout ids, job ids, targets and document URLs from any plan are AWS-valid', () => {
    const safeKey = fc.stringMatching(/^[A-Za-z0-9!_.*'()-][A-Za-z0-9!_.*'()/-]{0,40}$/);
    fc.assert(
      fc.property(fc.string({ unit: 'binary', minLength: 1, maxLength: 128 }), safeKey, (name, key) => {
        const plan = {
          name: name.replace(/[^\x20-\x7e]/g, 'x'),
          documentSource: `s3://fleet-bucket/${key}`,
          targets: ['ring-canary'],
        };
        let resolved: ReturnType<typeof resolvePlan>;
        try {
          resolved = resolvePlan(plan);
        } catch (error) {
          expect((error as Error).name).toBe('InvalidPlanError');
          return;
        }
        const id = rolloutIdFor(resolved.name, planDigest(resolved));
        expect(id).toMatch(ROLLOUT_ID);
        const stage = resolved.stages[0] as (typeof resolved.stages)[number];
        const request = createJobRequest(
          resolved,
          stage,
          jobIdFor(id, 0),
          'arn:aws:iot:us-east-1:123456789012',
          100,
        );
        expect(request.jobId).toMatch(/^[a-zA-Z0-9_-]{1,64}$/);
        expect(parseJobId(request.jobId)).toEqual({ rolloutId: id, stageIndex: 0 });
        for (const t of request.targets)
          expect(t).toMatch(/^arn:aws:iot:us-east-1:123456789012:thinggroup\/[a-zA-Z0-9:_-]{1,128}$/);
        expect(request.documentSource).toMatch(
          /^https:\/\/fleet-bucket\.s3\.amazonaws\.com\/[A-Za-z0-9!_.*'()/-]+$/,
        );
        expect(request.description.length).toBeLessThanOrEqual(2028);
      }),
      RUNS,
    );
    const unsafe = INJECTION_NAMES.filter((n) => !/^[A-Za-z0-9!_.*'()/-]+$/.test(n) || n.includes('..'));
    for (const bad of unsafe)
      expect(documentSource.safeParse(`s3://fleet-bucket/${bad}`).success, bad).toBe(false);
  });

  it('tunnel tags and descriptions from any alarm are AWS-valid', () => {
    fc.assert(
      fc.property(hostileString, hostileString, (alarmName, claimId) => {
        const tags = tunnelTags({
          alarmName,
          alarmArn: `arn:aws:cloudwatch:us-east-1:1:alarm:${alarmName}`,
          auditId: 'a1',
          claimId,
        });
        for (const t of tags) {
          expect(t.key.length).toBeLessThanOrEqual(128);
          expect(t.value).toMatch(/^[\p{L}\p{Z}\p{N}_.:/=+\-@]{0,256}$/u);
        }
        const description = tunnelDescription(alarmName);
        expect(description.length).toBeLessThanOrEqual(2048);
        expect(description).not.toMatch(/\p{C}/u);
      }),
      RUNS,
    );
  });
});

/**
 * Every regex in shared/ that outside input reaches, by the function that applies it. Structurally,
 * none nests quantifiers (star height 1); the only unanchored-suffix pattern (`[-:_]+$` in
 * sanitizeFragment) was quadratic and is now a loop. Each is run on 100 KB adversarial inputs.
 */
const APPLIED: [string, (s: string) => unknown][] = [
  ['sanitizeFragment (NFKD, accents, runs, edge trim)', sanitizeFragment],
  ['parseTemplate (PLACEHOLDER, LITERAL_OK)', parseTemplate],
  ['rolloutIdFor (slug replaces)', (s) => rolloutIdFor(s, 'abcdef12')],
  ['parseJobId', parseJobId],
  ['ROLLOUT_ID', (s) => ROLLOUT_ID.test(s)],
  ['GROUP_NAME_PATTERN', (s) => GROUP_NAME_PATTERN.test(s)],
  ['documentSource schema', (s) => documentSource.safeParse(s)],
  ['parseAlarmTime', parseAlarmTime],
  [
    'document URL allow-list (urlsIn, S3 host, presigned placeholder)',
    (s) =>
      documentUrlIssues(resolvePlan({ name: 'x', targets: ['g'], document: { s, u: `https://${s}` } }), {
        schemes: ['https'],
        buckets: ['b'],
        hosts: [],
      }),
  ],
  [
    'callerIdentity (principal ARNs)',
    (s) =>
      callerIdentity(`arn:aws:sts::123456789012:assumed-role/${s}/${s}`, { sessionNameRoles: [`${s}*`] }),
  ],
  ['tagValue', tagValue],
  ['tunnelDescription', tunnelDescription],
  [
    'plan schema (cron, schedule time, names)',
    (s) =>
      resolvePlan({
        name: s,
        document: {},
        stages: [
          {
            name: s,
            targets: [s],
            job: {
              scheduling: {
                startTime: s,
                maintenanceWindows: [{ startTime: `cron(${s}`, durationInMinutes: 1 }],
              },
            },
          },
        ],
      }),
  ],
];
/** Adversarial shapes of any size: long runs, near-misses at the end, repeated separators. */
const ADVERSARIAL: ((n: number) => string)[] = [
  (n) => 'a'.repeat(n),
  (n) => `${'_'.repeat(n)}a`,
  (n) => `a${'_:-'.repeat(n / 3)}a`,
  (n) => `${'-'.repeat(n)}!`,
  (n) => `${'a-'.repeat(n / 2)}!`,
  (n) => `s3://${'a'.repeat(n)}`,
  (n) => `s3://bucket/${'a/'.repeat(n / 2)}..`,
  (n) => '{a'.repeat(n / 2),
  (n) => `${'+00'.repeat(n / 3)}x`,
  (n) => `${'1-s1'.repeat(n / 4)}-s`,
  (n) => `${'é'.repeat(n)}!`,
  (n) => `cron(${'* '.repeat(n / 2)}`,
  (n) => '://'.repeat(n / 3),
  (n) => `${'a.s3-'.repeat(n / 5)}://`,
];

/** Fastest of three runs, in ms: the least disturbed by other test files running in parallel. */
function fastest(apply: (s: string) => unknown, input: string): number {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 3; i++) {
    const started = performance.now();
    try {
      apply(input);
    } catch {
      // refusing the input is fine; hanging is not
    }
    best = Math.min(best, performance.now() - started);
  }
  return best;
}

describe('regular expressions over outside input are linear', () => {
  // 100 KB well under 50 ms is the loose bound; where linear work alone (e.g. NFKD over 100 KB of
  // accents on a loaded machine) takes longer, growth must be linear: 4x the input, < 10x the time.
  it.each(APPLIED)('%s completes in bounded time on 100 KB adversarial inputs', (_name, apply) => {
    for (const make of ADVERSARIAL) {
      const big = fastest(apply, make(100_000));
      if (big < 50) continue;
      const small = fastest(apply, make(25_000));
      expect(big / Math.max(small, 1), make(12)).toBeLessThan(10);
    }
  });
});
