import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { summarizeIssues } from '../shared/domain/parse';
import { iotJobEventSchema, normalizeJobEvent } from '../shared/domain/rollout/job-event';
import { wrapHandler } from '../shared/handler';
import { logger, metrics } from '../shared/observability';
import { rejectEvent } from '../shared/services/reject-input';
import { bridgeDeps } from './wiring/rollout-events';

/**
 * IoT rule action on `$aws/events/job/#` and `$aws/events/jobExecution/#`: validate, normalize, and
 * publish on the project bus. Malformed input is logged and audited as rejected, not retried (retrying
 * cannot fix it); a failed PutEvents or audit write throws, so the asynchronous invocation is retried.
 */
const ACTOR = 'function:job-events-bridge';
const { publish, audit } = bridgeDeps(process.env);

export const handler = wrapHandler(async (event: unknown) => {
  const parsed = iotJobEventSchema.safeParse(event);
  if (!parsed.success) {
    const issues = summarizeIssues(parsed.error);
    logger.error('Rejected job event', { issues });
    metrics.addMetric('RejectedJobEvents', MetricUnit.Count, 1);
    await rejectEvent(audit, {
      actor: ACTOR,
      source: 'job-event',
      event,
      idField: 'eventId',
      timeField: 'timestamp',
      reason: `job event: ${issues.join('; ')}`,
      issues,
    });
    return { published: 0, rejected: issues };
  }
  const normalized = normalizeJobEvent(parsed.data);
  if (!normalized) return { published: 0 };
  await publish([normalized]);
  metrics.addMetric(`Published_${normalized.detailType}`, MetricUnit.Count, 1);
  return { published: 1, detailType: normalized.detailType };
});
