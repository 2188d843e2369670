import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fleetAgainst } from './api-only';

// `fleet rollout resume <id> --document <file>` and the attempts in `fleet rollout status`, against a
// stand-in for the operator API that answers as shared/services/rollout-resume.ts does.
let api: Server;
let apiUrl = '';
let dir = '';
const received: { route: string; body: unknown }[] = [];

const RESUMED = {
  rolloutId: 'fw-12345678',
  command: 'resume',
  accepted: true,
  status: 'RUNNING',
  attempt: 1,
  execution: 'fw-12345678--r1',
  stageIndex: 1,
  stage: 'early',
  stageAttempt: 1,
  jobId: 'fw-12345678-s1-a1',
  previousDigest: 'a'.repeat(64),
  digest: 'b'.repeat(64),
  previousDocumentHash: 'c'.repeat(64),
  documentHash: 'd'.repeat(64),
  warnings: ['stages before early (canary) are not run again: their devices keep the earlier document'],
};

const stage = (index: number, name: string, extra: object = {}) => ({
  index,
  name,
  status: 'PROMOTED',
  failureRate: null,
  gate: { failureThreshold: 0.05, confidence: 0.95, lowerBound: null, upperBound: null },
  approvals: [],
  attempt: 0,
  attempts: [],
  ...extra,
});
const STATUS = {
  rolloutId: 'fw-12345678',
  name: 'fw',
  status: 'RUNNING',
  reason: 'resumed-with-document',
  creator: 'arn:aws:iam::123456789012:user/alice',
  createdAt: '2026-01-01T00:00:00.000Z',
  currentStage: 1,
  paused: false,
  attempt: 1,
  resumes: [
    {
      attempt: 1,
      execution: 'fw-12345678--r1',
      stageIndex: 1,
      stage: 'early',
      haltReason: 'gate-halt',
      by: 'arn:aws:iam::123456789012:user/bob',
      at: '2026-01-01T03:00:00.000Z',
      comment: 'bootloader fixed',
      previousDigest: 'a'.repeat(64),
      digest: 'b'.repeat(64),
    },
  ],
  stages: [
    stage(0, 'canary'),
    stage(1, 'early', {
      status: 'RUNNING',
      attempt: 1,
      jobId: 'fw-12345678-s1-a1',
      attempts: [
        {
          attempt: 0,
          jobId: 'fw-12345678-s1',
          status: 'HALTED',
          startedAt: '2026-01-01T01:00:00.000Z',
          keptAt: '2026-01-01T03:00:05.000Z',
          job: {
            readAt: '2026-01-01T02:00:00.000Z',
            status: 'CANCELED',
            succeeded: 30,
            failed: 12,
            rejected: 0,
            timedOut: 1,
            inProgress: 4,
            queued: 0,
          },
          events: { succeeded: 30, failed: 12, rejected: 0, timedOut: 1 },
          decision: { outcome: 'HALT', reason: 'RATE_ABOVE_THRESHOLD', explanation: 'x' },
        },
      ],
    }),
  ],
};

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'fleet-resume-'));
  writeFileSync(path.join(dir, 'fixed.json'), JSON.stringify({ operation: 'update', version: '2.4.1' }));
  writeFileSync(path.join(dir, 'fixed.yml'), 'operation: update\nversion: "2.4.1"\n');
  writeFileSync(path.join(dir, 'reserved.json'), '{"files": {"__proto__": {"x": 1}}}');
  writeFileSync(path.join(dir, 'list.json'), '[1, 2]');
  api = createServer((req, res) => {
    let text = '';
    req.on('data', (chunk) => {
      text += chunk;
    });
    req.on('end', () => {
      const route = `${req.method} ${req.url}`;
      received.push({ route, body: text ? JSON.parse(text) : undefined });
      const bodies: Record<string, [number, unknown]> = {
        'POST /rollouts/fw-12345678/resume': [200, RESUMED],
        'POST /rollouts/running-12345678/resume': [
          409,
          {
            error: 'RolloutConflictError',
            message: 'rollout running-12345678 is RUNNING: a document resumes only a HALTED rollout',
          },
        ],
        'POST /rollouts/paused-12345678/resume': [
          400,
          {
            error: 'InvalidRequestError',
            message: 'rollout paused-12345678 is PAUSED: resume it without a document',
          },
        ],
        'GET /rollouts/fw-12345678': [200, STATUS],
      };
      const [status, body] = bodies[route] ?? [404, { error: 'RolloutNotFoundError', message: 'no route' }];
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
  apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => api.close(resolve));
});
beforeEach(() => {
  received.length = 0;
});

const fleet = (argv: string[]) => fleetAgainst(apiUrl, argv, dir);

describe('fleet rollout resume --document', () => {
  it('sends the document file (JSON or YAML) with the comment, and says what runs next', async () => {
    const run = await fleet([
      'rollout',
      'resume',
      'fw-12345678',
      '--document',
      'fixed.json',
      '--comment',
      'bootloader fixed',
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(received).toEqual([
      {
        route: 'POST /rollouts/fw-12345678/resume',
        body: { comment: 'bootloader fixed', document: { operation: 'update', version: '2.4.1' } },
      },
    ]);
    expect(run.stdout).toContain(
      'resume: fw-12345678 -> RUNNING with a new document: stage early runs again as attempt 1 (job fw-12345678-s1-a1), execution fw-12345678--r1',
    );
    expect(run.stdout).toContain(`digest ${'a'.repeat(12)} -> ${'b'.repeat(12)}`);
    expect(run.stdout).toContain("the halted attempt's counts are kept apart");
    expect(run.stderr).toContain('warning: stages before early (canary) are not run again');
    const yaml = await fleet(['rollout', 'resume', 'fw-12345678', '--document', 'fixed.yml']);
    expect(yaml.code, yaml.stderr).toBe(0);
    expect(received.at(-1)?.body).toEqual({ document: { operation: 'update', version: '2.4.1' } });
    const json = await fleet(['rollout', 'resume', 'fw-12345678', '--document', 'fixed.json', '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({
      execution: 'fw-12345678--r1',
      jobId: 'fw-12345678-s1-a1',
    });
  });

  it('sends an S3 document source', async () => {
    const run = await fleet([
      'rollout',
      'resume',
      'fw-12345678',
      '--document-source',
      's3://fleet-firmware-artifacts/fw/2.4.1.json',
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(received.at(-1)?.body).toEqual({ documentSource: 's3://fleet-firmware-artifacts/fw/2.4.1.json' });
  });

  it('checks the document locally first: exit 2 and nothing sent', async () => {
    for (const [argv, pattern] of [
      [['--document', 'fixed.json', '--document-source', 's3://b-b/k'], /not both/],
      [['--document', 'missing.json'], /cannot read missing.json/],
      [['--document', 'reserved.json'], /document.files.__proto__: "__proto__" is a reserved key name/],
      [['--document', 'list.json'], /document: must be an object/],
      [['--document-source', 'https://example.com/fw.json'], /documentSource: must be s3:\/\//],
    ] as const) {
      const run = await fleet(['rollout', 'resume', 'fw-12345678', ...argv]);
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).toMatch(pattern);
    }
    expect(received).toEqual([]);
  });

  it('exits 4 when the rollout is not halted, 2 when it is paused', async () => {
    const running = await fleet(['rollout', 'resume', 'running-12345678', '--document', 'fixed.json']);
    expect(running.code).toBe(4);
    expect(running.stderr).toContain('a document resumes only a HALTED rollout');
    const paused = await fleet(['rollout', 'resume', 'paused-12345678', '--document', 'fixed.json']);
    expect(paused.code).toBe(2);
    expect(paused.stderr).toContain('resume it without a document');
  });

  it('resumes a paused rollout as before without a document', async () => {
    const run = await fleet(['rollout', 'resume', 'fw-12345678', '--comment', 'alarm cleared']);
    expect(run.code, run.stderr).toBe(0);
    expect(received.at(-1)?.body).toEqual({ comment: 'alarm cleared' });
  });

  it('documents the options in its help', async () => {
    const help = await fleet(['rollout', 'resume', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--document <file>');
    expect(help.stdout).toContain('--document-source <s3-url>');
    expect(help.stdout).toContain('Earlier stages are not run again');
  });
});

describe('fleet rollout status: attempts', () => {
  it('shows the resume and the halted attempt kept apart from the running one', async () => {
    const run = await fleet(['rollout', 'status', 'fw-12345678']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(
      `resumed with a document: attempt 1 at 2026-01-01T03:00:00.000Z by arn:aws:iam::123456789012:user/bob, from stage early after gate-halt; digest ${'a'.repeat(12)} -> ${'b'.repeat(12)}; execution fw-12345678--r1; "bootloader fixed"`,
    );
    expect(run.stdout).toContain(
      'stage early: attempt 1 (job fw-12345678-s1-a1, RUNNING); earlier attempts, kept apart:',
    );
    expect(run.stdout).toContain(
      '  attempt 0 (job fw-12345678-s1) HALTED, started 2026-01-01T01:00:00.000Z: job CANCELED at 2026-01-01T02:00:00.000Z: ok 30, failed 12, rejected 0, timed out 1, running 4, queued 0; decision HALT (RATE_ABOVE_THRESHOLD)',
    );
  });
});
