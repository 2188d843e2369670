import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Approval, ApprovalKind } from '../domain/rollout/model';
import { conditionalWrite as conditional } from './dynamo-conditions';
import { isConditionFailure, keys } from './rollout-keys';

/** Where a task token waits: on the stage (gate), on the rollout (resume), on the approval item. */
export type TokenSlot =
  | { kind: 'gate'; stageIndex: number }
  | { kind: 'resume' }
  | { kind: 'approval'; stageIndex: number; approval: ApprovalKind };
export type Decided = {
  status: 'APPROVED' | 'REJECTED' | 'EXPIRED';
  by?: string;
  comment?: string;
  at: number;
};

/** Approvals and task tokens. A token goes in with storeToken and comes out only through a claim. */
export function approvalsAndTokens(client: DynamoDBDocumentClient, table: string) {
  const send = client.send.bind(client);
  const slotKey = (id: string, slot: TokenSlot) =>
    slot.kind === 'gate'
      ? { key: keys.stage(id, slot.stageIndex), attr: 'gateToken' }
      : slot.kind === 'resume'
        ? { key: keys.rollout(id), attr: 'resumeToken' }
        : { key: keys.approval(id, slot.stageIndex, slot.approval), attr: 'token' };

  return {
    async putApproval(approval: Approval, token: string): Promise<void> {
      const { expiresAt, ...rest } = approval;
      // A retried request (new token) replaces a pending one; a decided approval is never reopened.
      await send(
        new PutCommand({
          TableName: table,
          Item: {
            ...keys.approval(approval.rolloutId, approval.stageIndex, approval.kind),
            ...rest,
            approvalExpiresAt: expiresAt,
            token,
          },
          ConditionExpression: 'attribute_not_exists(pk) OR #s = :pending',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':pending': 'PENDING' },
        }),
      );
    },

    /** Decides a pending approval once and hands back its token (removed from the item). */
    async decideApproval(id: string, index: number, kind: ApprovalKind, d: Decided) {
      try {
        const { Attributes } = await send(
          new UpdateCommand({
            TableName: table,
            Key: keys.approval(id, index, kind),
            UpdateExpression: 'SET #s = :s, decidedAt = :at, decidedBy = :by, #c = :c REMOVE #t',
            ConditionExpression: '#s = :pending',
            ExpressionAttributeNames: { '#s': 'status', '#c': 'comment', '#t': 'token' },
            ExpressionAttributeValues: {
              ':s': d.status,
              ':at': d.at,
              ':by': d.by ?? 'state-machine',
              ':c': d.comment ?? '',
              ':pending': 'PENDING',
            },
            ReturnValues: 'ALL_OLD',
          }),
        );
        return { decided: true as const, token: Attributes?.token as string | undefined };
      } catch (error) {
        if (isConditionFailure(error)) return { decided: false as const, token: undefined };
        throw error;
      }
    },

    storeToken(id: string, slot: TokenSlot, token: string) {
      const { key, attr } = slotKey(id, slot);
      return conditional(() =>
        send(
          new UpdateCommand({
            TableName: table,
            Key: key,
            UpdateExpression: 'SET #t = :t',
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeNames: { '#t': attr },
            ExpressionAttributeValues: { ':t': token },
          }),
        ),
      );
    },

    /** Takes the stored token away (conditional on it being unchanged): of many senders exactly one wins. */
    async claimToken(id: string, slot: TokenSlot): Promise<string | undefined> {
      const { key, attr } = slotKey(id, slot);
      const { Item } = await send(new GetCommand({ TableName: table, Key: key, ConsistentRead: true }));
      const token = Item?.[attr];
      if (typeof token !== 'string') return undefined;
      const won = await conditional(() =>
        send(
          new UpdateCommand({
            TableName: table,
            Key: key,
            UpdateExpression: 'REMOVE #t',
            ConditionExpression: '#t = :t',
            ExpressionAttributeNames: { '#t': attr },
            ExpressionAttributeValues: { ':t': token },
          }),
        ),
      );
      return won ? token : undefined;
    },
  };
}
