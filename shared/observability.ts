import { search } from '@aws-lambda-powertools/jmespath';
import type { JSONObject } from '@aws-lambda-powertools/jmespath/types';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';

/**
 * One logger, metrics and tracer per container. The service name comes from
 * POWERTOOLS_SERVICE_NAME, which serverless.yml sets per function.
 */
export const logger = new Logger({
  correlationIdSearchFn: (expression: string, data: unknown) => search(expression, data as JSONObject),
});
export const metrics = new Metrics({ namespace: 'FleetAutopilot' });
export const tracer = new Tracer();
