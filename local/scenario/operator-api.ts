import { readPlan } from '../../shared/domain/rollout/plan-text';
import { type ApiResponse, operatorClient } from '../../shared/http/operator-client';

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

  /** The API answers 503 when AWS stayed busy behind it (injected faults): retried as the CLI does. */
  request(principal: string, method: string, path: string, body?: string): Promise<ApiResponse> {
    const send = operatorClient({
      baseUrl: this.baseUrl,
      region: this.region,
      credentials: { accessKeyId: principal, secretAccessKey: 'local' },
      retries: 5,
      backoffMs: 100,
      fetch: this.fetch,
    });
    return send(method, path, body);
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
