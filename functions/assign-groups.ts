import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, SQSRecord } from 'aws-lambda';
import rulesFile from '../config/grouping-rules.yml';
import { type ThingEvent, thingEventSchema } from '../shared/domain/events/registry-event';
import { sqsEventSchema } from '../shared/domain/events/sqs-event';
import { parseJsonBody } from '../shared/domain/parse';
import { InvalidInputError } from '../shared/errors';
import { wrapHandler } from '../shared/handler';
import { logger, metrics } from '../shared/observability';
import { assignGroups } from '../shared/services/assign-groups';
import { rejectInput } from '../shared/services/reject-input';
import { groupingDeps } from './wiring/grouping';

const ACTOR = 'function:assign-groups';
const { deps, delayRedelivery } = groupingDeps(ACTOR, process.env, rulesFile);

const processor = new BatchProcessor(EventType.SQS);

/** One registry event. Malformed input is audited as rejected and not retried; anything else retries. */
async function processRecord(record: SQSRecord, context?: Context): Promise<void> {
  let event: ThingEvent;
  try {
    event = parseJsonBody(record.body, thingEventSchema, 'registry event');
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    logger.error('Rejected registry event', { messageId: record.messageId, reason: error.message });
    metrics.addMetric('RejectedEvents', MetricUnit.Count, 1);
    await rejectInput(deps.audit, { actor: ACTOR, source: 'registry-event', record, error });
    return;
  }
  let result: Awaited<ReturnType<typeof assignGroups>>;
  try {
    // Duplicates and reordering are settled by the thing's record (its version and lease), not here.
    result = await assignGroups(event, deps, context?.getRemainingTimeInMillis());
  } catch (error) {
    logger.warn('Registry event will be retried', {
      thingName: event.thingName,
      eventId: event.eventId,
      error,
    });
    await delayRedelivery(record);
    throw error;
  }
  logger.info('Registry event processed', { thingName: event.thingName, eventId: event.eventId, result });
  metrics.addMetric(`Things_${result.status}`, MetricUnit.Count, 1);
}

export const handler = wrapHandler(
  async (event, context) => processPartialResponse(event, processRecord, processor, { context }),
  { schema: sqsEventSchema },
);
