import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const { dropUnusedDefaultRole } = require('../../scripts/drop-default-role-plugin.cjs') as {
  dropUnusedDefaultRole: (
    template: { Resources: Record<string, unknown> },
    log: (m: string) => void,
  ) => boolean;
};

const role = { Type: 'AWS::IAM::Role', Properties: {} };
const fnWithRole = (roleId: string) => ({
  Type: 'AWS::Lambda::Function',
  Properties: { Role: { 'Fn::GetAtt': [roleId, 'Arn'] } },
});

describe('drop-default-role plugin', () => {
  it('drops the default role when no resource refers to it', () => {
    const template = {
      Resources: {
        IamRoleLambdaExecution: role,
        AIamRoleLambdaExecution: role,
        ALambdaFunction: fnWithRole('AIamRoleLambdaExecution'),
      },
    };
    expect(dropUnusedDefaultRole(template, () => {})).toBe(true);
    expect(Object.keys(template.Resources)).toEqual(['AIamRoleLambdaExecution', 'ALambdaFunction']);
  });

  it('keeps it when a function uses it (by GetAtt, Ref or DependsOn)', () => {
    const uses = [
      fnWithRole('IamRoleLambdaExecution'),
      { Type: 'X', Properties: { R: { Ref: 'IamRoleLambdaExecution' } } },
      { Type: 'X', DependsOn: ['IamRoleLambdaExecution'] },
    ];
    for (const user of uses) {
      const template = { Resources: { IamRoleLambdaExecution: role, User: user } };
      const logs: string[] = [];
      expect(dropUnusedDefaultRole(template, (m) => logs.push(m))).toBe(false);
      expect(template.Resources).toHaveProperty('IamRoleLambdaExecution');
      expect(logs).toEqual(['IamRoleLambdaExecution is referenced: kept']);
    }
  });
});
