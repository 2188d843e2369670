import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { loadConfig } from '../shared/config';
import { eventBridgeEnvelope } from '../shared/domain/events/eventbridge-envelope';
import { executionTerminalSchema } from '../shared/domain/rollout/job-event';
import { wrapHandler } from '../shared/handler';
import { logger, metrics } from '../shared/observability';
import { trackExecution } from '../shared/services/rollout-tracker';
import * as z from '../shared/zod';
import { rolloutConfigSchema, trackerDeps } from './wiring/rollout';

/** `JobExecutionTerminal` events from the project bus: counters, gate estimate, wake-up. Errors retry via EventBridge (then DLQ). */
const config = loadConfig(rolloutConfigSchema, process.env);
const deps = trackerDeps(config, 'function:rollout-tracker');

const schema = z.extend(eventBridgeEnvelope, { detail: executionTerminalSchema });

export const handler = wrapHandler(
  async (event: z.infer<typeof schema>) => {
    const result = await trackExecution(event.detail, deps);
    logger.info('Job execution tracked', {
      jobId: event.detail.jobId,
      thingName: event.detail.thingName,
      result,
    });
    metrics.addMetric(`Executions_${result}`, MetricUnit.Count, 1);
    return { result };
  },
  { schema, correlationIdPath: 'id' },
);
