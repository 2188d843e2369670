import { describe, expect, it } from 'vitest';
import { ENDPOINT_VARIABLES } from '../../local/runtime/services';
import { startLocalStack } from '../../local/stack';

// The stack hands its endpoints to clients and child processes explicitly: two stacks in one
// process (the CLI tests, the chaos runs) must not read each other's endpoints from process.env.
describe('local stack environment', () => {
  it('leaves process.env as it was, while running and after close', async () => {
    const before = { ...process.env };

    const stack = await startLocalStack({ seed: 1, threads: 0 });
    const running = { ...process.env };
    await stack.close();

    expect(running).toEqual(before);
    expect({ ...process.env }).toEqual(before);
  });

  it("names every endpoint it serves in `env`, for a child process's SDK", async () => {
    const stack = await startLocalStack({ seed: 1, threads: 0 });
    try {
      const served = {
        ...Object.fromEntries(
          Object.entries(ENDPOINT_VARIABLES).map(([service, variable]) => [
            variable,
            stack.endpoints[service],
          ]),
        ),
        AWS_ENDPOINT_URL_DYNAMODB: stack.endpoints.dynamodb,
        AWS_ENDPOINT_URL_IOT_DATA_PLANE: stack.endpoints.iotData,
      };

      expect(Object.values(served).every((url) => url?.startsWith('http://127.0.0.1:'))).toBe(true);
      expect(stack.env).toMatchObject(served);
    } finally {
      await stack.close();
    }
  });
});
