import { describe, expect, it } from 'vitest';
import { iamContext } from '../../../local/runtime/http-api';
import { callerIdentity } from '../../../shared/domain/rollout/identity';

// The local HTTP API takes the SigV4 access key as the caller. Tests (and the adversary) present a
// role session with a key `assumed-role:<role>:<session>`, as API Gateway would for STS credentials.
describe('Function: iamContext()', () => {
  it('presents a plain access key as the IAM user of that name', () => {
    expect(iamContext('alice', '000000000000')).toMatchObject({
      userArn: 'arn:aws:iam::000000000000:user/alice',
      accountId: '000000000000',
    });
  });

  it('presents an assumed-role key as a session of that role, whose session name is not a person', () => {
    const iam = iamContext('assumed-role:FleetOperator:alice-second-session', '000000000000');
    expect(iam.userArn).toBe('arn:aws:sts::000000000000:assumed-role/FleetOperator/alice-second-session');
    expect(iam.userId).toMatch(/^AROA[A-Z0-9]+:alice-second-session$/);
    expect(callerIdentity(iam.userArn, { sessionNameRoles: [] }, '000000000000')).toMatchObject({
      key: 'role:FleetOperator',
      person: false,
    });
  });
});
