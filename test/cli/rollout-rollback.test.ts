import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fleetAgainst } from './api-only';

// `fleet rollout abort <id> --rollback` and the rollback in `fleet rollout status`, against a
// stand-in for the operator API that answers as shared/services/rollout-api.ts does.
let api: Server;
let apiUrl = '';
const received: { route: string; body: unknown }[] = [];

const stage = (index: number, name: string) => ({
  index,
  name,
  status: index === 0 ? 'PROMOTED' : 'HALTED',
  failureRate: null,
  gate: { failureThreshold: 0.05, confidence: 0.95, lowerBound: null, upperBound: null },
  approvals: [],
});
const view = (rollback: unknown) => ({
  rolloutId: 'fw-12345678',
  name: 'fw',
  status: 'HALTED',
  reason: 'gate-halt',
  creator: 'arn:aws:iam::123456789012:user/alice',
  createdAt: '2026-01-01T00:00:00.000Z',
  currentStage: 1,
  paused: false,
  stages: [stage(0, 'canary'), stage(1, 'early')],
  rollback,
});

beforeAll(async () => {
  api = createServer((req, res) => {
    let text = '';
    req.on('data', (chunk) => {
      text += chunk;
    });
    req.on('end', () => {
      const route = `${req.method} ${req.url}`;
      received.push({ route, body: text ? JSON.parse(text) : undefined });
      const bodies: Record<string, [number, unknown]> = {
        'POST /rollouts/fw-12345678/abort': [
          200,
          { rolloutId: 'fw-12345678', command: 'abort', accepted: true, rollback: true },
        ],
        'POST /rollouts/plain-12345678/abort': [
          409,
          {
            error: 'RolloutConflictError',
            message:
              "rollout plain-12345678's plan names no rollback (its `rollback` field), so an abort cannot roll back",
          },
        ],
        'GET /rollouts/fw-12345678': [
          200,
          view({
            state: 'ATTENTION',
            scope: 'rollout',
            onAbort: false,
            failureThreshold: 0.05,
            trigger: 'halt',
            stageIndexes: [0, 1],
            groupName: 'fleet-autopilot-rollback-fw-12345678',
            jobId: 'fw-12345678-rb0',
            devices: 558,
            excluded: 0,
            notAdded: 2,
            counts: { succeeded: 400, failed: 40, rejected: 1, timedOut: 3, inProgress: 14, notReached: 100 },
            jobReadAt: '2026-01-01T05:00:00.000Z',
          }),
        ],
        'GET /rollouts/planned-12345678': [
          200,
          {
            ...view({ state: 'NOT_STARTED', scope: 'stage', onAbort: false, requestedOnAbort: true }),
            status: 'RUNNING',
          },
        ],
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

const fleet = (argv: string[]) => fleetAgainst(apiUrl, argv);

describe('fleet rollout abort --rollback', () => {
  it('asks the API for the rollback with the abort', async () => {
    const run = await fleet(['rollout', 'abort', 'fw-12345678', '--rollback', '--comment', 'bad batch']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('abort: fw-12345678 (then roll back)');
    expect(received.at(-1)).toEqual({
      route: 'POST /rollouts/fw-12345678/abort',
      body: { comment: 'bad batch', rollback: true },
    });
  });

  it('sends no rollback flag without the option, and takes it on abort only', async () => {
    await fleet(['rollout', 'abort', 'fw-12345678']);
    expect(received.at(-1)?.body).toEqual({});
    const pause = await fleet(['rollout', 'pause', 'fw-12345678', '--rollback']);
    expect(pause.code).toBe(2);
    expect(pause.stderr).toContain('--rollback');
  });

  it('exits 4 with the reason when the plan names no rollback', async () => {
    const run = await fleet(['rollout', 'abort', 'plain-12345678', '--rollback']);
    expect(run.code).toBe(4);
    expect(run.stderr).toContain('names no rollback');
  });
});

describe('fleet rollout status: the rollback', () => {
  it('shows its state, stages, group, job, devices and the job counts', async () => {
    const run = await fleet(['rollout', 'status', 'fw-12345678']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(
      'rollback: ATTENTION after halt; stages canary, early; group fleet-autopilot-rollback-fw-12345678; job fw-12345678-rb0',
    );
    expect(run.stdout).toContain('devices 558, 2 not added');
    expect(run.stdout).toContain(
      'succeeded 400, failed 40, rejected 1, timed out 3, running 14, not reached 100 (job read 2026-01-01T05:00:00.000Z)',
    );
    const json = JSON.parse((await fleet(['rollout', 'status', 'fw-12345678', '--json'])).stdout);
    expect(json.rollback).toMatchObject({ state: 'ATTENTION', devices: 558, jobId: 'fw-12345678-rb0' });
  });

  it('shows a planned rollback, and one an abort asked for', async () => {
    const run = await fleet(['rollout', 'status', 'planned-12345678']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(
      'rollback: planned (scope stage; after a halt, and after this abort (requested))',
    );
  });
});
