import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import { Sha256 } from '@aws-crypto/sha256-js';
import { IoTClient } from '@aws-sdk/client-iot';
import { SignatureV4 } from '@smithy/signature-v4';
import { CliError, EXIT, type ExitCode } from './io';
import type { Target } from './target';

export type ApiResponse = { status: number; body: Record<string, unknown> };

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

/**
 * One call to the operator HTTP API (IAM auth), signed with SigV4 for `execute-api`. Non-2xx answers
 * become CliErrors with the exit code their status means; the API's `issues` are listed.
 */
const RETRIES = 4;
const RETRY_BASE_MS = 500;

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
  const url = new URL(route.replace(/^\//, ''), t.apiUrl.endsWith('/') ? t.apiUrl : `${t.apiUrl}/`);
  const { region, credentials } = await signingContext(t);
  const signer = new SignatureV4({ service: 'execute-api', region, credentials, sha256: Sha256 });
  // AWS busy behind the API (503, 429): the operations are idempotent, so retry with backoff.
  let answer = { status: 0, text: '' };
  for (let attempt = 0; ; attempt++) {
    const signed = await signer.sign({
      method,
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: { host: url.host, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body }),
    });
    answer = await send(url, method, signed.headers, body);
    if ((answer.status !== 503 && answer.status !== 429) || attempt >= RETRIES) break;
    await sleep(RETRY_BASE_MS * 2 ** attempt);
  }
  const { status, text } = answer;
  let parsed: Record<string, unknown> = {};
  try {
    parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    parsed = { message: text.slice(0, 200) };
  }
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

function send(url: URL, method: string, headers: Record<string, string>, body?: string) {
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', reject);
    });
    req.on('error', (error) =>
      reject(
        new CliError(
          EXIT.FAILURE,
          `cannot reach the operator API at ${url.origin}: ${error.message}`,
          'check --api-url / FLEET_API_URL and that the stack is running',
        ),
      ),
    );
    if (body !== undefined) req.write(body);
    req.end();
  });
}
