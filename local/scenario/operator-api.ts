import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { readPlan } from '../../shared/domain/rollout/plan-text';

export type ApiResponse = { status: number; body: Record<string, unknown> };

/**
 * The operator HTTP API with IAM auth: each request SigV4-signed (service execute-api) with the
 * principal's access key, which the local API Gateway takes as the caller.
 */
export class OperatorApi {
  constructor(
    private readonly baseUrl: string,
    private readonly region: string,
    /** The local stack passes its virtual network's fetch. */
    private readonly fetch: typeof globalThis.fetch = globalThis.fetch,
  ) {}

  async request(principal: string, method: string, path: string, body?: string): Promise<ApiResponse> {
    const url = new URL(path, this.baseUrl);
    const signer = new SignatureV4({
      service: 'execute-api',
      region: this.region,
      credentials: { accessKeyId: principal, secretAccessKey: 'local' },
      sha256: Sha256,
    });
    const headers: Record<string, string> = { host: url.host };
    if (body !== undefined) headers['content-type'] = 'application/json';
    // The API answers 503 when AWS stayed busy behind it (injected faults): retry as the CLI does.
    let response: Response | undefined;
    for (let attempt = 0; attempt < 6; attempt++) {
      const signed = await signer.sign({
        method,
        protocol: url.protocol,
        hostname: url.hostname,
        port: Number(url.port),
        path: url.pathname,
        headers,
        ...(body === undefined ? {} : { body }),
      });
      response = await this.fetch(url, {
        method,
        headers: signed.headers,
        ...(body === undefined ? {} : { body }),
      });
      if (response.status !== 503 && response.status !== 429) break;
      await response.text();
      await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
    }
    if (!response) throw new Error('no response');
    const text = await response.text();
    let parsed: Record<string, unknown> = {};
    try {
      parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      parsed = { raw: text };
    }
    return { status: response.status, body: parsed };
  }

  /** The plan file's text (YAML or JSON), sent as JSON as the CLI does. */
  startRollout(principal: string, planText: string) {
    return this.request(principal, 'POST', '/rollouts', JSON.stringify({ plan: readPlan(planText) }));
  }

  /** POST /tunnels/enrolments: only enrolled alarms open tunnels. Throws unless it is enrolled. */
  async enrolAlarm(principal: string, alarmName: string, thingName: string): Promise<void> {
    const response = await this.request(
      principal,
      'POST',
      '/tunnels/enrolments',
      JSON.stringify({ alarmName, thingName }),
    );
    if (response.status !== 200 && response.status !== 201)
      throw new Error(`enrol ${alarmName} → ${response.status} ${JSON.stringify(response.body)}`);
  }

  rollout(principal: string, id: string) {
    return this.request(principal, 'GET', `/rollouts/${encodeURIComponent(id)}`);
  }

  /** `extra`: more of the body, e.g. a resume's fixed `document`. */
  act(
    principal: string,
    id: string,
    action: 'approve' | 'reject' | 'pause' | 'resume' | 'abort' | 'complete',
    comment: string,
    extra: Record<string, unknown> = {},
  ) {
    return this.request(
      principal,
      'POST',
      `/rollouts/${encodeURIComponent(id)}/${action}`,
      JSON.stringify({ comment, ...extra }),
    );
  }
}
