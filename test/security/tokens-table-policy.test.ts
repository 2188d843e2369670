import { beforeAll, describe, expect, it } from 'vitest';
import { type CfnTemplate, loadPackagedTemplate, resourcesOfType } from '../../local/template';
import { ACCOUNT, deniedBy, exemptPrincipals, type Request, roleArn } from './resource-policy';

// The resource policies of the packaged template (`node scripts/package.mjs` first), evaluated for
// the principals that can reach an account: an operator's IAM user, a PowerUserAccess role, the
// root user, the other functions. An explicit Deny in a resource policy wins over any Allow an
// identity policy gives, PowerUserAccess's `*` included.
let template: CfnTemplate;
beforeAll(() => {
  template = loadPackagedTemplate();
});

const OPERATORS = [
  `arn:aws:iam::${ACCOUNT}:user/alice`,
  `arn:aws:iam::${ACCOUNT}:role/PowerUser`,
  `arn:aws:iam::${ACCOUNT}:role/AWSReservedSSO_PowerUserAccess_0123456789abcdef`,
  `arn:aws:iam::${ACCOUNT}:root`,
];
/** Every way to read a token, or to copy the table somewhere a policy does not follow. */
const TOKEN_READS = [
  'GetItem',
  'BatchGetItem',
  'Query',
  'Scan',
  'PartiQLSelect',
  'ConditionCheckItem',
  'UpdateItem', // ReturnValues: ALL_OLD
  'DeleteItem', // ReturnValues: ALL_OLD
  'PutItem', // ReturnValues: ALL_OLD
  'BatchWriteItem',
  'ExportTableToPointInTime',
  'CreateBackup',
  'StartAwsBackupJob',
  'RestoreTableToPointInTime',
  'UpdateContinuousBackups',
  'UpdateTable', // streams, replicas
  'EnableKinesisStreamingDestination',
  'GetRecords',
  'GetShardIterator',
  'PutResourcePolicy',
  'DeleteResourcePolicy',
].map((a) => `dynamodb:${a}`);
const ROLLOUT_ROLES = ['RolloutApi', 'RolloutSteps', 'RolloutTracker'];
const role = (fn: string) => roleArn(template, `${fn}IamRoleLambdaExecution`);
const denied = (table: string, r: Request) => deniedBy(template, table, r);

/** Which roles the identity policies let act on the tokens table (by its name), and with what. */
function grantsOnTokens(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [id, r] of resourcesOfType(template, 'AWS::IAM::Role')) {
    const policies = (r.Properties?.Policies ?? []) as {
      PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] };
    }[];
    for (const s of policies.flatMap((p) => p.PolicyDocument.Statement)) {
      if (
        !/"TaskTokensTable"|:table\/fleet-autopilot-[a-z0-9-]+-task-tokens"/.test(JSON.stringify(s.Resource))
      )
        continue;
      out.set(id, [...(out.get(id) ?? []), ...[s.Action].flat()]);
    }
  }
  return out;
}

describe('task tokens table: no principal but the rollout functions reads a token', () => {
  it('denies every read, write and copy of a token to operators, PowerUserAccess and root', () => {
    for (const principalArn of OPERATORS)
      for (const action of TOKEN_READS)
        expect(denied('TaskTokensTable', { principalArn, action }), `${principalArn} ${action}`).toBe(true);
  });

  it('denies the other functions (and the state machine) too: only three roles hold tokens', () => {
    const others = resourcesOfType(template, 'AWS::IAM::Role')
      .map(([id]) => id)
      .filter((id) => !ROLLOUT_ROLES.some((fn) => id === `${fn}IamRoleLambdaExecution`));
    expect(others.length).toBeGreaterThan(3);
    for (const id of others) {
      const arn = template.Resources[id]?.Properties?.RoleName
        ? roleArn(template, id)
        : `arn:aws:iam::${ACCOUNT}:role/${id}`;
      expect(denied('TaskTokensTable', { principalArn: arn, action: 'dynamodb:GetItem' }), id).toBe(true);
    }
    expect([...grantsOnTokens().keys()].sort()).toEqual(
      ROLLOUT_ROLES.map((fn) => `${fn}IamRoleLambdaExecution`).sort(),
    );
  });

  it('exempts exactly the three rollout roles, under their deployed names', () => {
    expect(exemptPrincipals(template, 'TaskTokensTable').sort()).toEqual(ROLLOUT_ROLES.map(role).sort());
    for (const fn of ROLLOUT_ROLES)
      expect(denied('TaskTokensTable', { principalArn: role(fn), action: 'dynamodb:DeleteItem' }), fn).toBe(
        false,
      );
  });

  it('lets CloudFormation manage the table for the deployer, and anyone describe it', () => {
    const deployer = `arn:aws:iam::${ACCOUNT}:role/Deployer`;
    const viaStack = { principalArn: deployer, calledVia: ['cloudformation.amazonaws.com'] };
    expect(denied('TaskTokensTable', { ...viaStack, action: 'dynamodb:UpdateTable' })).toBe(false);
    expect(denied('TaskTokensTable', { ...viaStack, action: 'dynamodb:PutResourcePolicy' })).toBe(false);
    expect(denied('TaskTokensTable', { principalArn: deployer, action: 'dynamodb:GetItem' })).toBe(true);
    expect(
      denied('TaskTokensTable', {
        principalArn: deployer,
        action: 'dynamodb:Scan',
        calledVia: ['athena.amazonaws.com'],
      }),
    ).toBe(true);
    expect(
      denied('TaskTokensTable', { principalArn: OPERATORS[0] as string, action: 'dynamodb:DescribeTable' }),
    ).toBe(false);
  });

  it('has no point-in-time recovery and no stream, which would copy tokens past the policy', () => {
    const p = template.Resources.TaskTokensTable?.Properties ?? {};
    expect(p.PointInTimeRecoverySpecification).toBeUndefined();
    expect(p.StreamSpecification).toBeUndefined();
    expect(p.KinesisStreamSpecification).toBeUndefined();
    expect(p.TimeToLiveSpecification).toEqual({ AttributeName: 'expiresAt', Enabled: true });
    // The name the three roles' statements use (they cannot refer to the table: it refers to them).
    expect(p.TableName).toBe('fleet-autopilot-dev-task-tokens');
    // Every function that holds tokens is told this table, not the state table operators read.
    for (const fn of ROLLOUT_ROLES) {
      const env = template.Resources[`${fn}LambdaFunction`]?.Properties?.Environment as {
        Variables: Record<string, unknown>;
      };
      expect(env.Variables.TOKENS_TABLE_NAME, fn).toEqual({ Ref: 'TaskTokensTable' });
    }
  });
});
