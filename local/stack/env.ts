import { ENDPOINT_VARIABLES, type ServiceName } from '../runtime/services';
import { LOCAL_CREDENTIALS } from './options';

/**
 * The variables every function container starts with, and what a process outside needs to reach
 * the stack (the CLI, the AWS CLI): region, local credentials and SDK v3's AWS_ENDPOINT_URL_<SERVICE>
 * for each service. Handed to containers and child processes explicitly, never set on this process.
 */
export function stackEnv(region: string, endpoints: Record<string, string>): Record<string, string> {
  return {
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb ?? '',
    POWERTOOLS_TRACE_ENABLED: 'false',
    POWERTOOLS_METRICS_DISABLED: 'true',
    NODE_NO_WARNINGS: '1',
    ...Object.fromEntries(
      Object.entries(ENDPOINT_VARIABLES).map(([k, v]) => [v, endpoints[k as ServiceName] ?? '']),
    ),
  };
}
