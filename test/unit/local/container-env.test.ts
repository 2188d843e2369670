import { describe, expect, it } from 'vitest';
import { containerEnv, type FunctionSpec } from '../../../local/runtime/function-host';

const spec: FunctionSpec = {
  logicalId: 'AssignGroupsLambdaFunction',
  name: 'assign-groups',
  handler: 'functions/assign-groups.handler',
  zip: 'x.zip',
  timeoutSeconds: 60,
  reservedConcurrency: 5,
  environment: { POWERTOOLS_SERVICE_NAME: 'assign-groups', AWS_RETRY_MODE: 'adaptive' },
};

describe('containerEnv()', () => {
  it("layers the stack's variables, the function's own and the overrides, in that order", () => {
    const env = containerEnv(
      spec,
      { AWS_REGION: 'us-east-1', AWS_RETRY_MODE: 'legacy' },
      {
        AWS_RETRY_MODE: 'standard',
      },
    );
    expect(env).toMatchObject({
      AWS_REGION: 'us-east-1',
      POWERTOOLS_SERVICE_NAME: 'assign-groups',
      AWS_RETRY_MODE: 'standard',
      AWS_LAMBDA_FUNCTION_NAME: 'assign-groups',
      AWS_LAMBDA_FUNCTION_TIMEOUT: '60',
    });
  });

  it('keeps the X-Ray SDK from hooking every promise: manual mode and no LAMBDA_TASK_ROOT', () => {
    const env = containerEnv(spec, {}, {});
    expect(env.AWS_XRAY_MANUAL_MODE).toBe('true');
    expect(env).not.toHaveProperty('LAMBDA_TASK_ROOT');
  });
});
