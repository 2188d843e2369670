import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { parser } from '@aws-lambda-powertools/parser/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { logger, metrics, tracer } from './observability';
import type * as z from './zod';

type Options<S extends z.ZodMiniType | undefined> = {
  /** Validates the whole event before the handler runs (Powertools parser). */
  schema?: S;
  /** JMESPath to the correlation id in the event, e.g. `id` for EventBridge. */
  correlationIdPath?: string;
};

/**
 * The one wrapper every handler uses: tracing, structured logs with the Lambda context and a
 * correlation id, metrics flushed per invocation, and input parsing at the edge.
 */
export function wrapHandler<TEvent, TResult>(
  handler: (event: TEvent, context: Context) => Promise<TResult>,
  options: Options<z.ZodMiniType<TEvent> | undefined> = {},
) {
  const wrapped = middy(handler)
    // Responses may hold a secret (the tunnel API's source token): X-Ray never records them.
    .use(captureLambdaHandler(tracer, { captureResponse: false }))
    .use(injectLambdaContext(logger, { resetKeys: true, correlationIdPath: options.correlationIdPath }))
    .use(logMetrics(metrics, { captureColdStartMetric: true }));
  return options.schema ? wrapped.use(parser({ schema: options.schema })) : wrapped;
}
