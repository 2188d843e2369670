import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { yamlToJson } from '../../../scripts/yaml-json.cjs';
import { documentUrlIssues } from '../../../shared/domain/rollout/document-urls';
import { resolvePlan } from '../../../shared/domain/rollout/plan';
import { readPlan } from '../../../shared/domain/rollout/plan-text';
import { parseRolloutPolicy } from '../../../shared/domain/rollout/policy';

const POLICY = { schemes: ['https'], buckets: ['fw-artifacts'], hosts: ['updates.example.com'] };
const plan = (document: Record<string, unknown>) =>
  resolvePlan({ name: 'fw', targets: ['ring-canary'], document });
const issues = (document: Record<string, unknown>) => documentUrlIssues(plan(document), POLICY);

describe('Function: documentUrlIssues()', () => {
  it('accepts allowed buckets in every S3 URL form, the presigned placeholder, and allowed hosts', () => {
    expect(
      issues({
        a: 'https://fw-artifacts.s3.amazonaws.com/fw.bin',
        b: 'https://fw-artifacts.s3.eu-west-1.amazonaws.com/fw.bin',
        c: 'https://s3.amazonaws.com/fw-artifacts/fw.bin',
        d: 'https://s3.dualstack.us-east-1.amazonaws.com/fw-artifacts/fw.bin',
        e: `\${aws:iot:s3-presigned-url:https://s3.us-east-1.amazonaws.com/fw-artifacts/fw.bin}`,
        f: ['install https://updates.example.com/v2 then reboot'],
        g: 'no URL here: just text, 42',
      }),
    ).toEqual([]);
  });

  it('names the field of every URL it refuses, and why', () => {
    const found = issues({
      url: 'http://fw-artifacts.s3.amazonaws.com/fw.bin',
      steps: [{ run: 'wget ftp://mirror.example.com/x' }, { run: 'cat file:/etc/shadow' }],
      other: `\${aws:iot:s3-presigned-url:https://s3.amazonaws.com/not-ours/fw.bin}`,
      host: 'https://s3.amazonaws.com.evil.example.com/fw-artifacts/x',
    });
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^document\.url: .*scheme http is not allowed/),
        expect.stringMatching(/^document\.steps\[0\]\.run: .*scheme ftp/),
        expect.stringMatching(/^document\.steps\[1\]\.run: .*scheme file/),
        expect.stringMatching(/^document\.other: .*bucket "not-ours"/),
        expect.stringMatching(
          /^document\.host: .*host s3\.amazonaws\.com\.evil\.example\.com is not allowed/,
        ),
      ]),
    );
  });

  it('checks keys as well as values, and the document source bucket', () => {
    expect(issues({ 'https://evil.example.com/x': true })[0]).toMatch(/^document \(a key\): /);
    const source = resolvePlan({ name: 'fw', targets: ['g'], documentSource: 's3://not-ours/job.json' });
    expect(documentUrlIssues(source, POLICY)).toEqual([
      expect.stringMatching(/^documentSource: S3 bucket "not-ours" is not allowed/),
    ]);
  });
});

describe('config/rollout-policy.yml', () => {
  const file = 'config/rollout-policy.yml';
  const policy = parseRolloutPolicy(JSON.parse(yamlToJson(readFileSync(file, 'utf8'), file)));

  it('is valid, and allows the document of every example and scenario plan', () => {
    for (const path of [
      'examples/plans/firmware-2.4.yml',
      'scenarios/plans/firmware-2.5.yml',
      'scenarios/plans/firmware-3.0-beta.yml',
    ]) {
      expect(
        documentUrlIssues(resolvePlan(readPlan(readFileSync(path, 'utf8'))), policy.documents),
        path,
      ).toEqual([]);
    }
    expect(policy.approvers.sessionNameRoles).toEqual([]);
  });

  it('refuses a policy file with a misspelt key', () => {
    expect(() => parseRolloutPolicy({ version: 1, documents: { schemes: ['https'], bucket: [] } })).toThrow(
      /documents/,
    );
  });
});
