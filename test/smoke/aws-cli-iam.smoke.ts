import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../local/stack';

// The red team's two commands, as docs/local-iam.md shows them, with a stock AWS CLI: refused.
let stack: LocalStack;
const run = promisify(execFile);
async function aws(accessKey: string, endpoint: string | undefined, ...args: string[]) {
  return run('aws', ['--endpoint-url', String(endpoint), '--output', 'json', ...args], {
    env: {
      ...process.env,
      AWS_ACCESS_KEY_ID: accessKey,
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_PAGER: '',
    },
  }).then(
    ({ stdout }) => ({ ok: true, out: stdout }),
    (e: { stderr: string }) => ({ ok: false, out: e.stderr }),
  );
}

beforeAll(async () => {
  stack = await startLocalStack({ seed: 3 });
});
afterAll(async () => {
  await stack?.close();
});

describe('AWS CLI against the local stack: resource policies', () => {
  it('refuses an operator put-events of a forged job outcome on the project bus', async () => {
    const entries = JSON.stringify([
      {
        EventBusName: 'fleet-autopilot-dev',
        Source: 'fleet-autopilot',
        DetailType: 'JobExecutionTerminal',
        Detail: '{}',
      },
    ]);
    const result = await aws(
      'alice',
      stack.endpoints.eventBridge,
      'events',
      'put-events',
      '--entries',
      entries,
    );
    // The call succeeds; the entry fails, as PutEvents reports a refused entry.
    expect(result.ok).toBe(true);
    const out = JSON.parse(result.out) as { FailedEntryCount: number; Entries: { ErrorCode?: string }[] };
    expect(out.FailedEntryCount).toBe(1);
    expect(out.Entries[0]?.ErrorCode).toBe('AccessDeniedException');
  });

  it('refuses an operator send-message to the assignment queue', async () => {
    const url = stack.services.sqs.queue('AssignGroupsQueue')?.url as string;
    const result = await aws(
      'alice',
      stack.endpoints.sqs,
      'sqs',
      'send-message',
      '--queue-url',
      url,
      '--message-body',
      '{}',
    );
    expect(result.ok).toBe(false);
    expect(result.out).toContain('(AccessDenied)');
    const ok = await aws(
      'alice',
      stack.endpoints.sqs,
      'sqs',
      'get-queue-attributes',
      '--queue-url',
      url,
      '--attribute-names',
      'All',
    );
    expect(ok.ok).toBe(true);
  });
});
