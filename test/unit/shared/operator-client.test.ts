import { describe, expect, it } from 'vitest';
import { operatorClient } from '../../../shared/http/operator-client';

type Sent = { url: string; method: string; headers: Record<string, string>; body?: string };

/** A fetch that records each request and answers with the next of `answers` (the last one repeats). */
function fakeFetch(answers: { status: number; text: string }[]) {
  const sent: Sent[] = [];
  const fetch = async (input: string | URL | Request, init: RequestInit = {}) => {
    sent.push({
      url: String(input),
      method: String(init.method),
      headers: init.headers as Record<string, string>,
      ...(typeof init.body === 'string' ? { body: init.body } : {}),
    });
    const answer = answers[Math.min(sent.length, answers.length) - 1] ?? { status: 200, text: '' };
    return new Response(answer.text, { status: answer.status });
  };
  return { sent, fetch: fetch as typeof globalThis.fetch };
}

const client = (fetch: typeof globalThis.fetch, retries = 2) =>
  operatorClient({
    baseUrl: 'https://api.example/dev',
    region: 'eu-west-1',
    credentials: { accessKeyId: 'AKIDALICE', secretAccessKey: 'secret' },
    retries,
    backoffMs: 1,
    fetch,
  });

describe('operatorClient', () => {
  it('signs each request with SigV4 for execute-api in the region, as the principal of the credentials', async () => {
    // Prepare
    const { sent, fetch } = fakeFetch([{ status: 201, text: '{"created":true}' }]);

    // Act
    const response = await client(fetch)('POST', '/rollouts', '{"plan":{}}');

    // Assess
    expect(response).toEqual({ status: 201, body: { created: true } });
    expect(sent[0]?.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDALICE\/\d{8}\/eu-west-1\/execute-api\/aws4_request, SignedHeaders=[^,]*host[^,]*, Signature=[0-9a-f]{64}$/,
    );
    expect(sent[0]?.headers['x-amz-date']).toMatch(/^\d{8}T\d{6}Z$/);
    expect(sent[0]).toMatchObject({ method: 'POST', body: '{"plan":{}}' });
  });

  it("keeps the base URL's path (a stage) in front of the route", async () => {
    // Prepare
    const { sent, fetch } = fakeFetch([{ status: 200, text: '{}' }]);

    // Act
    await client(fetch)('GET', '/rollouts/fw-1');

    // Assess
    expect(sent[0]?.url).toBe('https://api.example/dev/rollouts/fw-1');
  });

  it('retries a 503 or a 429, then gives the answer that ended the retries', async () => {
    // Prepare
    const { sent, fetch } = fakeFetch([
      { status: 503, text: '{"error":"ServiceUnavailable"}' },
      { status: 429, text: '{}' },
      { status: 200, text: '{"rollouts":[]}' },
    ]);

    // Act
    const response = await client(fetch)('GET', '/rollouts');

    // Assess
    expect(sent).toHaveLength(3);
    expect(response).toEqual({ status: 200, body: { rollouts: [] } });
  });

  it('stops after its retries and returns the last busy answer', async () => {
    // Prepare
    const { sent, fetch } = fakeFetch([{ status: 503, text: '{"error":"ServiceUnavailable"}' }]);

    // Act
    const response = await client(fetch, 2)('GET', '/rollouts');

    // Assess
    expect(sent).toHaveLength(3);
    expect(response.status).toBe(503);
  });

  it('does not retry an answer AWS being busy did not cause', async () => {
    // Prepare
    const { sent, fetch } = fakeFetch([{ status: 500, text: '{"error":"InternalError"}' }]);

    // Act
    const response = await client(fetch)('POST', '/rollouts/fw-1/abort', '{}');

    // Assess
    expect(sent).toHaveLength(1);
    expect(response).toEqual({ status: 500, body: { error: 'InternalError' } });
  });

  it('gives a body that is not JSON as a message of its first 200 characters', async () => {
    // Prepare
    const { fetch } = fakeFetch([{ status: 502, text: `<html>${'x'.repeat(300)}` }]);

    // Act
    const response = await client(fetch)('GET', '/rollouts');

    // Assess
    expect(response.body).toEqual({ message: `<html>${'x'.repeat(194)}` });
  });
});
