import { describe, expect, it } from 'vitest';
import { itemOfFailure } from '../../../shared/adapters/dynamo-conditions';

describe('itemOfFailure', () => {
  it('converts the attribute values a failed condition handed back, as the document client does a read', () => {
    // Prepare: a ConditionalCheckFailedException or a CancellationReason, as the SDK gives it.
    const failure = {
      name: 'ConditionalCheckFailedException',
      Item: {
        pk: { S: 'THING#t-1' },
        revision: { N: '3' },
        history: { L: [{ M: { at: { N: '1700000000000' }, connected: { BOOL: true } } }] },
        tags: { SS: ['a', 'b'] },
        gone: { NULL: true },
      },
    };

    // Act
    const item = itemOfFailure(failure);

    // Assess
    expect(item).toEqual({
      pk: 'THING#t-1',
      revision: 3,
      history: [{ at: 1_700_000_000_000, connected: true }],
      tags: new Set(['a', 'b']),
      gone: null,
    });
  });

  it('answers undefined when no item came back', () => {
    expect(itemOfFailure({ name: 'ConditionalCheckFailedException' })).toBeUndefined();
    expect(itemOfFailure({ Code: 'ConditionalCheckFailed' })).toBeUndefined();
    expect(itemOfFailure(undefined)).toBeUndefined();
  });
});
