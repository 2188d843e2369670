import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { z } from 'zod';
import { eventBridgePublisher } from '../shared/adapters/domain-events';
import { eventBridgeClient } from '../shared/clients';
import { loadConfig } from '../shared/config';
import { iotJobEventSchema, normalizeJobEvent } from '../shared/domain/rollout/job-event';
import { wrapHandler } from '../shared/handler';
import { logger, metrics } from '../shared/observability';

/**
 * IoT rule action on `$aws/events/job/#` and `$aws/events/jobExecution/#`: validate, normalize, and
 * publish on the project bus. Malformed input is logged and dropped (retrying cannot fix it); a failed
 * PutEvents throws, so the asynchronous invocation is retried.
 */
const config = loadConfig(z.object({ EVENT_BUS_NAME: z.string().min(1).max(256) }), process.env);
const publish = eventBridgePublisher(eventBridgeClient(), config.EVENT_BUS_NAME);

export const handler = wrapHandler(async (event: unknown) => {
  const parsed = iotJobEventSchema.safeParse(event);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    logger.error('Rejected job event', { issues });
    metrics.addMetric('RejectedJobEvents', MetricUnit.Count, 1);
    return { published: 0, rejected: issues };
  }
  const normalized = normalizeJobEvent(parsed.data);
  if (!normalized) return { published: 0 };
  await publish([normalized]);
  metrics.addMetric(`Published_${normalized.detailType}`, MetricUnit.Count, 1);
  return { published: 1, detailType: normalized.detailType };
});
