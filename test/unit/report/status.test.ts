import { describe, expect, it } from 'vitest';
import { Progress } from '../../../local/scenario/progress';
import { stackStatus } from '../../../local/scenario/status';
import type { LocalStack } from '../../../local/stack';

const fakeStack = (
  jobs: { jobId: string; status: string; done: number; queued: number; pending: number }[],
) =>
  ({
    services: {
      iot: {
        state: {
          things: new Map(Array.from({ length: 2000 }, (_, i) => [`t${i}`, {}])),
          groups: new Map([
            ['a', { things: Array.from({ length: 1500 }) }],
            ['b', { things: Array.from({ length: 700 }) }],
          ]),
          jobs: new Map(
            jobs.map((j) => [
              j.jobId,
              {
                jobId: j.jobId,
                status: j.status,
                pending: Array.from({ length: j.pending }),
                executions: new Map<string, { status: string }>([
                  ...Array.from(
                    { length: j.done },
                    (_, i) => [`d${i}`, { status: 'SUCCEEDED' }] as [string, { status: string }],
                  ),
                  ...Array.from(
                    { length: j.queued },
                    (_, i) => [`q${i}`, { status: 'IN_PROGRESS' }] as [string, { status: string }],
                  ),
                ]),
              },
            ]),
          ),
        },
      },
    },
    host: { stats: new Map([['f', { invocations: 812 }]]), inFlight: 37 },
    delivery: { stats: { published: 9000 } },
    router: { stats: { targetDeliveries: 400 } },
  }) as unknown as LocalStack;

describe('stackStatus', () => {
  const progress = new Progress(
    0,
    () => 0,
    () => undefined,
  );
  progress.onEvent({
    'detail-type': 'RolloutCreated',
    detail: { rolloutId: 'r1', name: 'firmware-2.5', creator: 'arn:x/alice', stages: ['fleet'] },
  } as never);
  progress.onEvent({
    'detail-type': 'RolloutStageStarted',
    detail: { rolloutId: 'r1', stageIndex: 2, stage: 'fleet', jobId: 'job-2', things: 2000 },
  } as never);

  it('counts things and memberships while no job runs', () => {
    const snap = stackStatus(fakeStack([]), progress)();
    expect(snap.counts).toEqual([
      '2,000 things',
      '2,200 memberships in 2 groups',
      '812 invocations (37 in flight)',
    ]);
    expect(snap.events).toBe(9400);
  });

  it("shows each running stage's finished executions by name, and device calls waiting for a socket", () => {
    const stack = fakeStack([
      { jobId: 'job-2', status: 'IN_PROGRESS', done: 1200, queued: 300, pending: 500 },
      { jobId: 'job-old', status: 'COMPLETED', done: 18, queued: 0, pending: 0 },
    ]);
    const snap = stackStatus(stack, progress, { waiting: 133 })();
    expect(snap.counts).toEqual([
      'rollout firmware-2.5 stage fleet: 1,200/2,000 finished',
      '133 device calls waiting',
      '812 invocations (37 in flight)',
    ]);
  });
});
