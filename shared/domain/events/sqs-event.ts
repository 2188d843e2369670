import * as z from '../../zod';

/**
 * An SQS event as Lambda delivers it, checked as strictly as Powertools' SqsSchema (whose classic
 * zod would add ~200 KB to a bundle). Bodies are left to the handler: one bad body must not fail
 * the batch.
 */
const messageAttribute = z.object({
  stringValue: z.optional(z.nullable(z.string())),
  binaryValue: z.optional(z.nullable(z.string())),
  stringListValues: z.optional(z.array(z.string())),
  binaryListValues: z.optional(z.array(z.string())),
  dataType: z.string(),
});

const sqsRecordSchema = z.object({
  messageId: z.string(),
  receiptHandle: z.string(),
  body: z.string(),
  attributes: z.object({
    ApproximateReceiveCount: z.string(),
    ApproximateFirstReceiveTimestamp: z.string(),
    MessageDeduplicationId: z.optional(z.string()),
    MessageGroupId: z.optional(z.string()),
    SenderId: z.string(),
    SentTimestamp: z.string(),
    SequenceNumber: z.optional(z.string()),
    AWSTraceHeader: z.optional(z.string()),
    DeadLetterQueueSourceArn: z.optional(z.string()),
  }),
  messageAttributes: z.record(z.string(), messageAttribute),
  md5OfBody: z.string(),
  md5OfMessageAttributes: z.optional(z.nullable(z.string())),
  eventSource: z.literal('aws:sqs'),
  eventSourceARN: z.string(),
  awsRegion: z.string(),
});

export const sqsEventSchema = z.object({ Records: z.array(sqsRecordSchema).check(z.minLength(1)) });
