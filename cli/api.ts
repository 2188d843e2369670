import { IoTClient } from '@aws-sdk/client-iot';
import { type ApiResponse, ApiUnreachableError, operatorClient } from '../shared/http/operator-client';
import { CliError, EXIT, type ExitCode } from './io';
import type { Target } from './target';

const STATUS_EXIT: Record<number, ExitCode> = {
  400: EXIT.USAGE,
  403: EXIT.CONFLICT,
  404: EXIT.NOT_FOUND,
  409: EXIT.CONFLICT,
};

/** The SDK's default chain resolves credentials and region when the environment does not name them. */
async function signingContext(t: Target) {
  const probe = new IoTClient({
    ...(t.region ? { region: t.region } : {}),
    ...(t.credentials ? { credentials: t.credentials } : {}),
  });
  try {
    return { region: await probe.config.region(), credentials: await probe.config.credentials() };
  } catch (error) {
    throw new CliError(
      EXIT.FAILURE,
      `no AWS credentials or region: ${(error as Error).message}`,
      'set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY and AWS_REGION, or use --local',
    );
  }
}

/** AWS busy behind the API (503, 429): the operations are idempotent, so retry with backoff. */
const RETRIES = 4;
const RETRY_BASE_MS = 500;

/**
 * One call to the operator HTTP API (IAM auth), signed with SigV4 for `execute-api`. Non-2xx answers
 * become CliErrors with the exit code their status means; the API's `issues` are listed.
 */
export async function callApi(
  t: Target,
  method: 'GET' | 'POST' | 'DELETE',
  route: string,
  body?: string,
): Promise<ApiResponse> {
  if (!t.apiUrl)
    throw new CliError(
      EXIT.USAGE,
      'the operator API URL is not set',
      `pass --api-url or set FLEET_API_URL (deployed: \`npx sls info --stage ${t.stage}\` prints it under endpoints; local: \`npm start -- --serve\` prints it)`,
    );
  const { region, credentials } = await signingContext(t);
  const request = operatorClient({
    baseUrl: t.apiUrl,
    region,
    credentials,
    retries: RETRIES,
    backoffMs: RETRY_BASE_MS,
  });
  const { status, body: parsed } = await request(method, route, body).catch((error: unknown) => {
    if (!(error instanceof ApiUnreachableError)) throw error;
    throw new CliError(
      EXIT.FAILURE,
      error.message,
      'check --api-url / FLEET_API_URL and that the stack is running',
    );
  });
  if (status >= 200 && status < 300) return { status, body: parsed };
  const message = typeof parsed.message === 'string' ? parsed.message : `HTTP ${status}`;
  const issues = Array.isArray(parsed.issues) ? parsed.issues.map(String) : [];
  const name = typeof parsed.error === 'string' ? parsed.error : '';
  throw new CliError(STATUS_EXIT[status] ?? EXIT.FAILURE, message, hintFor(status, name), issues);
}

function hintFor(status: number, error: string): string | undefined {
  if (error === 'TargetGroupNotFoundError')
    return 'create the groups, or set `allowMissingTargets: true` on a stage whose groups are created later (docs/rollouts.md)';
  if (status === 403)
    return 'the API refused this principal: check your IAM permissions (execute-api:Invoke), or use another operator';
  if (status === 404) return 'check the id: `fleet rollout list` / `fleet tunnel list` show the known ones';
  if (status >= 500) return 'the service failed; retry, and check the function logs if it persists';
  return undefined;
}
