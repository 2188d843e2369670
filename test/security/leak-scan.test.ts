import { describe, expect, it } from 'vitest';
import { scanForLeaks } from '../../local/chaos/leak-scan';

const TOKEN = 'AQGAAXi+ZxkO/tunnel-token==';
const TASK = 'AAAAKgAAAAIAAAAAAAAAAaskToken';

describe('leak scan', () => {
  it('finds nothing in clean output', () => {
    expect(scanForLeaks(['INFO tunnel opened', { action: 'tunnel.opened' }], [TOKEN, TASK])).toEqual([]);
  });

  it('finds a secret in log lines, audit items, events and report JSON, naming where', () => {
    const hits = scanForLeaks(
      [
        `{"level":"INFO","token":"${TOKEN}"}`,
        { details: { taskToken: TASK } },
        'nothing here',
        [{ detail: `x${TOKEN}` }],
      ],
      [TOKEN, TASK],
    );
    expect(hits.map((h) => [h.source, h.secret])).toEqual([
      [0, 0],
      [1, 1],
      [3, 0],
    ]);
    expect(hits[0]?.context).toContain('<secret 0>');
    expect(hits[0]?.context).not.toContain(TOKEN);
  });

  it('finds a secret after JSON escaping, base64 or URL encoding', () => {
    const quoted = 'tok"en\\with/quotes';
    const hits = scanForLeaks(
      [
        JSON.stringify({ m: quoted }),
        Buffer.from(TOKEN).toString('base64'),
        `https://x/?t=${encodeURIComponent(TOKEN)}`,
      ],
      [quoted, TOKEN],
    );
    expect(hits.map((h) => h.encoding)).toEqual(['json', 'base64', 'url']);
  });

  it('reports every occurrence, and refuses secrets too short to mean anything', () => {
    expect(scanForLeaks([`${TASK} and ${TASK}`], [TASK])).toHaveLength(2);
    expect(() => scanForLeaks(['x'], ['abc'])).toThrow(/too short/);
  });
});
