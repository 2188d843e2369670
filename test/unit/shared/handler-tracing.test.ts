import { afterEach, describe, expect, it, vi } from 'vitest';
import { wrapHandler } from '../../../shared/handler';
import { tracer } from '../../../shared/observability';
import { lambdaContext } from '../../helpers/lambda';

// X-Ray segments are readable by anyone with xray:BatchGetTraces: a handler's answer (the tunnel
// API's is a source access token) must never be recorded as trace metadata.
afterEach(() => {
  vi.restoreAllMocks();
});

describe('wrapHandler tracing', () => {
  it('records no handler response in the trace, even with tracing on', async () => {
    // Prepare: tracing on, as in Lambda with active tracing; no segment to open.
    vi.spyOn(tracer, 'isTracingEnabled').mockReturnValue(true);
    vi.spyOn(tracer, 'getSegment').mockReturnValue(undefined);
    vi.spyOn(tracer, 'annotateColdStart').mockImplementation(() => {});
    vi.spyOn(tracer, 'addServiceNameAnnotation').mockImplementation(() => {});
    const recorded = vi.spyOn(tracer, 'addResponseAsMetadata').mockImplementation(() => {});
    const handler = wrapHandler(async () => ({ sourceAccessToken: 'secret-token' }));

    // Act
    const answer = await handler({}, lambdaContext('tunnel-api'));

    // Assess: the caller got the token; the trace did not.
    expect(answer).toEqual({ sourceAccessToken: 'secret-token' });
    expect(recorded).not.toHaveBeenCalled();
  });
});
