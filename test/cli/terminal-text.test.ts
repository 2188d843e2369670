import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../cli/main';
import { neutralise, oneLine } from '../../cli/terminal-text';
import { dynamoAuditWriter } from '../../shared/adapters/audit-store';
import { startDynalite } from '../helpers/dynalite';

// Low finding of issue 13: an operator's comment with terminal escape sequences, printed raw by
// `fleet audit`, could hide lines from a reviewer. Every place the CLI prints outside text is checked
// here with the same hostile text: no control character reaches the terminal, JSON stays JSON.
const ESC = '\u001b';
const HOSTILE = `lgtm${ESC}[2K${ESC}[1A\rrejected\u009b31m\u202egnp.exe\u0007${ESC}]0;pwned\u0007`;
/** What a terminal would act on rather than print (tab and newline aside), as code points. */
const controls = (text: string) =>
  [...text]
    .map((ch) => ch.codePointAt(0) ?? 0)
    .filter(
      (c) =>
        (c < 0x20 && c !== 0x09 && c !== 0x0a) ||
        (c >= 0x7f && c <= 0x9f) ||
        (c >= 0x200b && c <= 0x200f) ||
        (c >= 0x2028 && c <= 0x202e) ||
        (c >= 0x2060 && c <= 0x206f) ||
        c === 0xfeff,
    );

let db: Awaited<ReturnType<typeof startDynalite>>;
let api: Server;
let apiUrl = '';

beforeAll(async () => {
  db = await startDynalite();
  const audit = dynamoAuditWriter(DynamoDBDocumentClient.from(db.client), 'AuditTable', 30);
  await audit({
    subject: { type: 'rollout', id: 'fw-12345678' },
    action: 'rollout.approval.decided',
    outcome: 'decided',
    actor: 'arn:aws:iam::123456789012:user/mallory',
    cause: { type: 'api-request', id: 'req-1' },
    at: Date.UTC(2026, 0, 1),
    details: { comment: HOSTILE, decision: 'APPROVED' },
  });
  // A stand-in for the operator API: answers what a hostile plan and comment would make it answer.
  api = createServer((req, res) => {
    const view = {
      rolloutId: 'fw-12345678',
      name: HOSTILE,
      status: 'RUNNING',
      creator: 'arn:aws:iam::123456789012:user/mallory',
      createdAt: '2026-01-01T00:00:00.000Z',
      currentStage: 0,
      stages: 1,
      paused: false,
      reason: HOSTILE,
    };
    const bodies: Record<string, [number, unknown]> = {
      'GET /rollouts': [200, { rollouts: [view] }],
      'GET /rollouts/fw-12345678': [
        200,
        {
          ...view,
          stages: [
            {
              index: 0,
              name: 'canary',
              status: 'RUNNING',
              failureRate: null,
              gate: { failureThreshold: 0.05, confidence: 0.95, lowerBound: null, upperBound: null },
              approvals: [{ kind: 'promote', status: 'APPROVED', decidedBy: 'bob', comment: HOSTILE }],
            },
          ],
        },
      ],
      'POST /rollouts/fw-12345678/approve': [
        400,
        { error: 'InvalidRequestError', message: HOSTILE, issues: [`document.a\nfake line ${HOSTILE}`] },
      ],
    };
    const [status, body] = bodies[`${req.method} ${req.url}`] ?? [404, { message: 'no route' }];
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
  apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await db.close();
  await new Promise((resolve) => api.close(resolve));
});

async function fleet(argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(['--local', ...argv], {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    env: {
      AWS_ENDPOINT_URL_DYNAMODB: db.endpoint,
      AWS_ENDPOINT_URL_IOT: db.endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'alice',
      AWS_SECRET_ACCESS_KEY: 'local',
      FLEET_API_URL: apiUrl,
    },
    cwd: process.cwd(),
    root: process.cwd(),
  });
  return { code, stdout, stderr };
}

describe('CLI output: control characters from outside text are neutralised', () => {
  it('shows every control and bidi character as a visible \\u escape', () => {
    expect(controls(HOSTILE)).toHaveLength(8);
    expect(controls(neutralise(HOSTILE))).toEqual([]);
    expect(neutralise(HOSTILE)).toContain('\\u001b[2K');
    expect(neutralise('a\tb\nc')).toBe('a\tb\nc');
    expect(oneLine('a\nb\r')).toBe('a\\u000ab\\u000d');
  });

  it.each([['table'], ['jsonl'], ['csv']])('fleet audit --format %s', async (format) => {
    const run = await fleet(['audit', '--rollout', 'fw-12345678', '--format', format]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('lgtm');
    expect(controls(run.stdout)).toEqual([]);
    if (format === 'jsonl') {
      // The escapes are JSON escapes: the record reads back exactly as stored.
      const record = JSON.parse(run.stdout.trim()) as { details: { comment: string } };
      expect(record.details.comment).toBe(HOSTILE);
    }
  });

  it.each([
    [['rollout', 'status', 'fw-12345678'], 'lgtm'],
    [['rollout', 'status', 'fw-12345678', '--json'], 'lgtm'],
    [['rollout', 'list'], 'mallory'],
  ])('fleet %j', async (argv, shown) => {
    const run = await fleet(argv);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(shown);
    expect(controls(run.stdout + run.stderr)).toEqual([]);
  });

  it('keeps an error and each of its issues on their own lines', async () => {
    const run = await fleet(['rollout', 'approve', 'fw-12345678']);
    expect(run.code).toBe(2);
    expect(controls(run.stderr)).toEqual([]);
    expect(run.stderr.split('\n').filter((l) => l.includes('fake line'))).toEqual([
      expect.stringMatching(/^ {2}document\.a\\u000afake line lgtm/),
    ]);
  });
});
