import { describe, expect, it } from 'vitest';
import { InvalidPlanError, InvalidRequestError } from '../../../shared/domain/rollout/errors';
import { commandOf, planOf, rolloutIdOf } from '../../../shared/http/rollout-requests';

describe('planOf', () => {
  it('takes the plan from the {"plan": ...} wrapper or as the body itself', () => {
    // Act
    const wrapped = planOf('{"plan": {"name": "fw"}}');
    const bare = planOf('{"name": "fw"}');

    // Assess
    expect(wrapped).toEqual({ name: 'fw' });
    expect(bare).toEqual({ name: 'fw' });
  });

  it('refuses a body that is not JSON, and plan text inside the wrapper, as an invalid plan', () => {
    // Act + Assess
    for (const body of ['name: fw', '{"plan": "name: fw"}']) {
      expect(() => planOf(body), body).toThrow(InvalidPlanError);
    }
  });
});

describe('commandOf', () => {
  it('reads an empty body as no comment and no rollback', () => {
    // Act + Assess
    expect(commandOf('  ', 'approve')).toEqual({ comment: '', rollback: false });
  });

  it("takes abort's rollback, and refuses it on any other action", () => {
    // Act
    const abort = commandOf('{"comment": "bad canary", "rollback": true}', 'abort');

    // Assess
    expect(abort).toEqual({ comment: 'bad canary', rollback: true });
    expect(() => commandOf('{"rollback": true}', 'pause')).toThrow(InvalidRequestError);
  });

  it("keeps resume's document as it was sent, keys and all", () => {
    // Prepare
    const document = { steps: [{ action: 'install' }], __extra: 1 };

    // Act
    const command = commandOf(JSON.stringify({ comment: 'fixed', document }), 'resume');

    // Assess
    expect(command).toEqual({ comment: 'fixed', rollback: false, document });
  });

  it('refuses a comment over 1,000 characters and a body that is not JSON', () => {
    // Act + Assess
    expect(() => commandOf(JSON.stringify({ comment: 'x'.repeat(1001) }), 'reject')).toThrow(
      InvalidRequestError,
    );
    expect(() => commandOf('not json', 'reject')).toThrow(/body must be JSON/);
  });
});

describe('rolloutIdOf', () => {
  it('passes a rollout id and refuses anything else before it becomes a key', () => {
    // Act + Assess
    expect(rolloutIdOf('fw-abc12345')).toBe('fw-abc12345');
    for (const id of [undefined, '', 'FW-1', 'a/b', 'x'.repeat(51)]) {
      expect(() => rolloutIdOf(id), String(id)).toThrow(InvalidRequestError);
    }
  });
});
