/** A response of the operator APIs, as API Gateway (HTTP API, payload 2.0) takes it from Lambda. */
export type JsonResponse = { statusCode: number; headers: Record<string, string>; body: string };

/** Bodies may carry a token (POST /tunnels/{id}/token): no caching anywhere on the way back. */
export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): JsonResponse {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers },
    body: JSON.stringify(body),
  };
}
