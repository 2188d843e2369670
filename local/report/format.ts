/** Escaping and number/time formatting shared by the HTML report's sections and charts. */

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for HTML element content and quoted attribute values alike. */
export const esc = (value: unknown): string =>
  String(value ?? '').replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);

/** Integer with thousands separators; '–' when not a finite number. */
export const num = (n: number | undefined): string =>
  n === undefined || !Number.isFinite(n) ? '–' : Math.round(n).toLocaleString('en-US');

/** A 0..1 rate as a percentage with precision that suits its size. */
export const pct = (rate: number | undefined): string => {
  if (rate === undefined || !Number.isFinite(rate)) return '–';
  const p = rate * 100;
  if (p === 0) return '0%';
  const digits = Math.abs(p) < 1 ? 2 : Math.abs(p) < 10 ? 1 : 0;
  return `${p.toFixed(digits)}%`;
};

/** Duration in ms as e.g. `850 ms`, `42.0 s`, `3 m 05 s`, `2 h 04 m`, `3 d 02 h`. */
export const duration = (ms: number | undefined): string => {
  if (ms === undefined || !Number.isFinite(ms)) return '–';
  const sign = ms < 0 ? '-' : '';
  const a = Math.abs(ms);
  if (a < 1000) return `${sign}${Math.round(a)} ms`;
  const s = a / 1000;
  if (s < 60) return `${sign}${s.toFixed(1)} s`;
  const pad = (v: number): string => String(Math.floor(v)).padStart(2, '0');
  if (s < 3600) return `${sign}${Math.floor(s / 60)} m ${pad(s % 60)} s`;
  if (s < 86_400) return `${sign}${Math.floor(s / 3600)} h ${pad((s % 3600) / 60)} m`;
  return `${sign}${Math.floor(s / 86_400)} d ${pad((s % 86_400) / 3600)} h`;
};

/** Short signed axis label for an offset in ms (no spaces, fits under a tick): `+1.5m`. */
export const shortDuration = (ms: number): string => {
  const sign = ms < 0 ? '−' : '+';
  const s = Math.abs(ms) / 1000;
  if (s < 60) return `${sign}${+s.toFixed(1)}s`;
  if (s < 3600) return `${sign}${+(s / 60).toFixed(1)}m`;
  if (s < 86_400) return `${sign}${+(s / 3600).toFixed(1)}h`;
  return `${sign}${+(s / 86_400).toFixed(1)}d`;
};

/** Virtual epoch ms as a UTC timestamp `2024-05-01 12:00:03Z`; '–' when absent. */
export const time = (ms: number | undefined): string => {
  if (ms === undefined || !Number.isFinite(ms)) return '–';
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? '–' : `${d.toISOString().slice(0, 19).replace('T', ' ')}Z`;
};

/** Classifies a decision, status or outcome string for colouring: good, bad or neutral. */
export const tone = (word: string | undefined): 'good' | 'bad' | 'neutral' => {
  const w = (word ?? '').toUpperCase();
  if (/PROMOT|COMPLET|SUCCE|APPROV|CLOSED|RESOLV|OK/.test(w)) return 'good';
  if (/HALT|ABORT|FAIL|REJECT|EXPIR|ERROR|TIMED|LOST/.test(w)) return 'bad';
  return 'neutral';
};

/**
 * Two rates as percentages with just enough digits to tell them apart, so a comparison never reads
 * `5.0% > 5.0%` (up to 4 decimals; equal rates print equal).
 */
export const pctApart = (a: number, b: number): [string, string] => {
  let pa = pct(a);
  let pb = pct(b);
  for (let digits = 1; pa === pb && a !== b && digits <= 4; digits++) {
    pa = `${(a * 100).toFixed(digits)}%`;
    pb = `${(b * 100).toFixed(digits)}%`;
  }
  return [pa, pb];
};
