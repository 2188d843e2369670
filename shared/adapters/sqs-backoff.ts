import { ChangeMessageVisibilityCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { redeliveryDelaySeconds } from '../domain/retry-backoff';
import { logger } from '../observability';

type FailedRecord = { receiptHandle: string; attributes: { ApproximateReceiveCount?: string } };

/**
 * Lambda returns a failed record to the queue at once; stretching its visibility timeout turns
 * SQS's fixed redelivery into exponential backoff. Best effort: on error the default timeout stands.
 */
export async function delayRedelivery(
  client: SQSClient,
  queueUrl: string,
  record: FailedRecord,
): Promise<void> {
  const delay = redeliveryDelaySeconds(Number(record.attributes.ApproximateReceiveCount ?? '1'));
  try {
    await client.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: queueUrl,
        ReceiptHandle: record.receiptHandle,
        VisibilityTimeout: delay,
      }),
    );
  } catch (error) {
    logger.warn('Could not delay redelivery', { error: (error as Error).name });
  }
}
