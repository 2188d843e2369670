/**
 * Finds secrets (tunnel access tokens, task tokens...) in anything the system wrote: log lines, audit
 * items, events, SNS messages, report JSON. A secret is found verbatim and in the encodings a writer
 * might apply on the way out (JSON string escaping, base64, URL encoding). Secrets shorter than
 * MIN_SECRET_LENGTH are refused: they would match by accident and prove nothing.
 */
const MIN_SECRET_LENGTH = 8;

export type LeakHit = {
  /** Index of the haystack in the input list. */
  source: number;
  /** Which secret (index in the secrets list) and how it was encoded. */
  secret: number;
  encoding: 'plain' | 'json' | 'base64' | 'url';
  /** Character offset of the hit in the haystack. */
  at: number;
  /** A short window around the hit with the secret masked, safe to print. */
  context: string;
};

export type Haystack = string | object;

function encodings(secret: string): [LeakHit['encoding'], string][] {
  const forms: [LeakHit['encoding'], string][] = [
    ['plain', secret],
    ['json', JSON.stringify(secret).slice(1, -1)],
    ['base64', Buffer.from(secret, 'utf8').toString('base64').replace(/=+$/, '')],
    ['url', encodeURIComponent(secret)],
  ];
  // One form per distinct text, so a token of plain characters is reported once per hit.
  return forms.filter(([, text], i) => forms.findIndex(([, t]) => t === text) === i);
}

function text(value: Haystack): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Every occurrence of every secret, in any of its encodings, in every haystack. */
export function scanForLeaks(haystacks: readonly Haystack[], secrets: readonly string[]): LeakHit[] {
  for (const s of secrets) {
    if (s.length < MIN_SECRET_LENGTH)
      throw new Error(`secret of ${s.length} characters is too short to scan for`);
  }
  const hits: LeakHit[] = [];
  haystacks.forEach((value, source) => {
    const body = text(value);
    secrets.forEach((secret, index) => {
      for (const [encoding, needle] of encodings(secret)) {
        for (let at = body.indexOf(needle); at >= 0; at = body.indexOf(needle, at + 1)) {
          const start = Math.max(0, at - 20);
          const context = `${body.slice(start, at)}<secret ${index}>${body.slice(at + needle.length, at + needle.length + 20)}`;
          hits.push({ source, secret: index, encoding, at, context });
        }
      }
    });
  });
  return hits;
}
