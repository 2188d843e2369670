import { describe, expect, it } from 'vitest';
import { callerIdentity, fourEyesProblem } from '../../../shared/domain/rollout/identity';

const ACCOUNT = '123456789012';
const user = (name: string, path = '/') => `arn:aws:iam::${ACCOUNT}:user${path}${name}`;
const session = (role: string, name: string, account = ACCOUNT) =>
  `arn:aws:sts::${account}:assumed-role/${role}/${name}`;
const POLICY = { sessionNameRoles: ['FleetApprover', 'AWSReservedSSO_FleetOperator_*'] };
const who = (arn: string) => callerIdentity(arn, POLICY, ACCOUNT);

describe('Function: callerIdentity()', () => {
  it('makes an IAM user the person of its name, whatever its path or letter case', () => {
    expect(who(user('alice'))).toMatchObject({ key: 'person:alice', person: true });
    expect(who(user('Alice', '/ops/eu/'))).toMatchObject({ key: 'person:alice', person: true });
  });

  it('makes a session of a listed role the person of its session name', () => {
    expect(who(session('FleetApprover', 'bob'))).toMatchObject({ key: 'person:bob', person: true });
    expect(who(session('AWSReservedSSO_FleetOperator_0a1b2c3d', 'carol@example.com'))).toMatchObject({
      key: 'person:carol@example.com',
      person: true,
    });
  });

  it('makes every session of an unlisted role one shared identity, never a person', () => {
    const first = who(session('FleetOperator', 'alice'));
    const second = who(session('FleetOperator', 'alice-second-session'));
    expect(first).toMatchObject({ key: 'role:FleetOperator', person: false });
    expect(second.key).toBe(first.key);
    // A pattern matches whole names only.
    expect(who(session('AWSReservedSSO_FleetOperatorX', 'x')).person).toBe(false);
    expect(who(session('xFleetApprover', 'x')).person).toBe(false);
  });

  it('is no person for other accounts, federated users or anything unexpected', () => {
    expect(who(user('alice').replace(ACCOUNT, '999999999999')).person).toBe(false);
    expect(who(session('FleetApprover', 'bob', '999999999999')).person).toBe(false);
    expect(who(`arn:aws:sts::${ACCOUNT}:federated-user/alice`).person).toBe(false);
    expect(who('alice').person).toBe(false);
    expect(who(`arn:aws:iam::${ACCOUNT}:root`)).toMatchObject({
      person: true,
      key: `person:account-root:${ACCOUNT}`,
    });
  });
});

describe('Function: fourEyesProblem()', () => {
  it('accepts a different person only', () => {
    expect(fourEyesProblem('person:alice', who(user('bob')))).toBeUndefined();
    expect(fourEyesProblem('person:alice', who(session('FleetApprover', 'ALICE')))).toMatch(/creator/);
    expect(fourEyesProblem('person:alice', who(session('FleetOperator', 'alice-2')))).toMatch(
      /not tied to a person.*RoleSessionName/,
    );
  });

  it('refuses every approver of a rollout a shared identity started', () => {
    expect(fourEyesProblem('role:Deployer', who(user('bob')))).toMatch(/shared identity/);
  });
});
