import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { SQSRecord } from 'aws-lambda';
import { sqsEventSchema } from '../shared/domain/events/sqs-event';
import { parseJsonBody } from '../shared/domain/parse';
import { presenceEventSchema } from '../shared/domain/rollout/presence-event';
import { InvalidInputError } from '../shared/errors';
import { wrapHandler } from '../shared/handler';
import { logger, metrics } from '../shared/observability';
import { trackPresence } from '../shared/services/health-presence';
import { rejectInput } from '../shared/services/reject-input';
import { presenceDeps } from './wiring/rollout-events';

/**
 * IoT lifecycle events (an IoT rule on `$aws/events/presence/+/+` into an SQS buffer only that rule may
 * send to): each thing's presence history, and suspects for rollouts that watch its reconnect.
 */
const ACTOR = 'function:presence-tracker';
const deps = presenceDeps(process.env);
const processor = new BatchProcessor(EventType.SQS);

/** Malformed input is audited as rejected and not retried; anything else retries (then the DLQ). */
async function processRecord(record: SQSRecord): Promise<void> {
  try {
    const event = parseJsonBody(record.body, presenceEventSchema, 'lifecycle event');
    const result = await trackPresence(event, deps);
    metrics.addMetric(`Presence_${result}`, MetricUnit.Count, 1);
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    logger.error('Rejected lifecycle event', { messageId: record.messageId, reason: error.message });
    metrics.addMetric('RejectedEvents', MetricUnit.Count, 1);
    await rejectInput(deps.audit, { actor: ACTOR, source: 'lifecycle-event', record, error });
  }
}

export const handler = wrapHandler(
  async (event, context) => processPartialResponse(event, processRecord, processor, { context }),
  { schema: sqsEventSchema },
);
