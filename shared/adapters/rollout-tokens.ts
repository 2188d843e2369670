import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { APPROVAL_KINDS, type Approval, type ApprovalKind } from '../domain/rollout/model';
import type { ApprovalRecords, Decided, TaskTokens, TokenSlot } from '../services/rollout-store-port';
import { isConditionFailure, keys, toApproval } from './rollout-keys';

const pad = (i: number) => String(i).padStart(3, '0');
const slotKey = (id: string, slot: TokenSlot) => ({
  pk:
    slot.kind === 'gate'
      ? `ROLLOUT#${id}#GATE#${pad(slot.stageIndex)}`
      : slot.kind === 'resume'
        ? `ROLLOUT#${id}#RESUME`
        : `ROLLOUT#${id}#APPROVAL#${pad(slot.stageIndex)}#${slot.approval}`,
});

/** A backstop for tokens whose wait ended without a claim (a timeout): no Standard execution outlives a year. */
const TOKEN_TTL_SECONDS = 400 * 86_400;

/**
 * Task tokens live in their own table (resources/rollouts.yml TaskTokensTable), whose resource policy
 * denies every principal but the three rollout functions: operators' roles, however broad, cannot read
 * one. A token goes in with `storeToken` and comes out only through `claimToken`, a DeleteItem that
 * returns it: a token is used once, by one sender, and leaves nothing behind.
 */
export function taskTokens(client: DynamoDBDocumentClient, table: string): TaskTokens {
  const send = client.send.bind(client);
  return {
    /** Parks a token (a retried or repeated wait replaces the previous one of the slot). */
    async storeToken(id: string, slot: TokenSlot, token: string, now = Date.now()): Promise<void> {
      await send(
        new PutCommand({
          TableName: table,
          Item: {
            ...slotKey(id, slot),
            rolloutId: id,
            token,
            expiresAt: Math.floor(now / 1000) + TOKEN_TTL_SECONDS,
          },
        }),
      );
    },

    /** Takes the token away: of many senders exactly one gets it, and it is deleted on the way out. */
    async claimToken(id: string, slot: TokenSlot): Promise<string | undefined> {
      const { Attributes } = await send(
        new DeleteCommand({ TableName: table, Key: slotKey(id, slot), ReturnValues: 'ALL_OLD' }),
      );
      const token = Attributes?.token;
      return typeof token === 'string' ? token : undefined;
    },

    /** Drops the tokens a stage's waits may have left (a wait that timed out is never claimed). */
    async discardTokens(id: string, stageIndex: number): Promise<void> {
      const slots: TokenSlot[] = [
        { kind: 'gate', stageIndex },
        { kind: 'resume' },
        ...APPROVAL_KINDS.map((approval) => ({ kind: 'approval', stageIndex, approval }) as const),
      ];
      for (const slot of slots) {
        await send(new DeleteCommand({ TableName: table, Key: slotKey(id, slot) }));
      }
    },
  };
}

/** Approval records, in the state table: readable by operators, and never holding a token. */
export function approvalRecords(client: DynamoDBDocumentClient, table: string): ApprovalRecords {
  const send = client.send.bind(client);
  return {
    async putApproval(approval: Approval): Promise<void> {
      const { expiresAt, ...rest } = approval;
      // A retried request replaces a pending one; a decided approval is never reopened.
      await send(
        new PutCommand({
          TableName: table,
          Item: {
            ...keys.approval(approval.rolloutId, approval.stageIndex, approval.kind, approval.attempt),
            ...rest,
            approvalExpiresAt: expiresAt,
          },
          ConditionExpression: 'attribute_not_exists(pk) OR #s = :pending',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':pending': 'PENDING' },
        }),
      );
    },

    async getApproval(
      id: string,
      index: number,
      kind: ApprovalKind,
      attempt = 0,
    ): Promise<Approval | undefined> {
      const { Item } = await send(
        new GetCommand({
          TableName: table,
          Key: keys.approval(id, index, kind, attempt),
          ConsistentRead: true,
        }),
      );
      return Item ? toApproval(Item) : undefined;
    },

    /** Decides a pending approval (of the stage's `attempt`) once; false when it was decided already (or never asked). */
    async decideApproval(
      id: string,
      index: number,
      kind: ApprovalKind,
      d: Decided,
      attempt = 0,
    ): Promise<boolean> {
      try {
        await send(
          new UpdateCommand({
            TableName: table,
            Key: keys.approval(id, index, kind, attempt),
            UpdateExpression:
              'SET #s = :s, decidedAt = :at, decidedBy = :by, decidedByIdentity = :who, #c = :c',
            ConditionExpression: '#s = :pending',
            ExpressionAttributeNames: { '#s': 'status', '#c': 'comment' },
            ExpressionAttributeValues: {
              ':s': d.status,
              ':at': d.at,
              ':by': d.by ?? 'state-machine',
              ':who': d.byIdentity ?? 'state-machine',
              ':c': d.comment ?? '',
              ':pending': 'PENDING',
            },
          }),
        );
        return true;
      } catch (error) {
        if (isConditionFailure(error)) return false;
        throw error;
      }
    },
  };
}
