/** The variables serverless.yml gives every function, with test values (and no tracing or metrics output). */
export const FUNCTION_TEST_ENV = {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  AUDIT_TABLE_NAME: 'AuditTable',
  STATE_TABLE_NAME: 'StateTable',
  AUDIT_RETENTION_DAYS: '30',
  EVENT_BUS_NAME: 'fleet-autopilot-test',
  OPERATOR_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:operators',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
  POWERTOOLS_METRICS_DISABLED: 'true',
  POWERTOOLS_TRACE_ENABLED: 'false',
};

/** Sets a handler's environment before the test imports it (config is read at cold start). */
export function setFunctionEnv(dynamoEndpoint: string, extra: Record<string, string> = {}): void {
  Object.assign(process.env, FUNCTION_TEST_ENV, { AWS_ENDPOINT_URL_DYNAMODB: dynamoEndpoint }, extra);
}
