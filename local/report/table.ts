/** A small table builder whose plain-string cells are always escaped, so report text can't inject HTML. */
import { esc, num, tone } from './format';

/** A cell: strings are escaped, numbers formatted and right-aligned, `{ html }` is trusted markup. */
export type Cell = string | number | undefined | { html: string; numeric?: boolean };

const cell = (c: Cell): { html: string; numeric: boolean } => {
  if (typeof c === 'number') return { html: num(c), numeric: true };
  if (c === undefined) return { html: '<span class="dim">–</span>', numeric: false };
  if (typeof c === 'string') return { html: esc(c), numeric: false };
  return { html: c.html, numeric: c.numeric ?? false };
};

/** A coloured badge for a decision, status or outcome word. */
export const badgeHtml = (word: string | undefined): string =>
  word ? `<span class="badge ${tone(word)}">${esc(word)}</span>` : '';

export const badge = (word: string | undefined): Cell => (word ? { html: badgeHtml(word) } : undefined);

export const table = (
  headers: readonly string[],
  rows: readonly (readonly Cell[])[],
  opts: {
    empty?: string;
    foot?: readonly Cell[];
    caption?: string;
    /** On a narrow screen each row becomes a card of "label: value" lines, so no column is cut off. */
    stack?: boolean;
    className?: string;
  } = {},
): string => {
  if (rows.length === 0) return `<p class="dim">${esc(opts.empty ?? 'Nothing recorded.')}</p>`;
  const numericCols = headers.map((_, i) => rows.every((r) => cell(r[i]).numeric || r[i] === undefined));
  const th = headers
    .map((h, i) => `<th${numericCols[i] ? ' class="n"' : ''} scope="col">${esc(h)}</th>`)
    .join('');
  const tr = (r: readonly Cell[], tag: 'td' | 'th'): string =>
    `<tr>${headers
      .map((_, i) => {
        const c = cell(r[i]);
        const right = c.numeric || (r[i] === undefined && numericCols[i]);
        const label = opts.stack ? ` data-label="${esc(headers[i])}"` : '';
        return `<${tag}${right ? ' class="n"' : ''}${label}>${c.html}</${tag}>`;
      })
      .join('')}</tr>`;
  const caption = opts.caption ? `<caption>${esc(opts.caption)}</caption>` : '';
  const foot = opts.foot ? `<tfoot>${tr(opts.foot, 'td')}</tfoot>` : '';
  const classes = [opts.stack ? 'stack' : '', opts.className ?? ''].filter(Boolean).join(' ');
  return `<div class="table-wrap"><table${classes ? ` class="${esc(classes)}"` : ''}>${caption}<thead><tr>${th}</tr></thead><tbody>${rows
    .map((r) => tr(r, 'td'))
    .join('')}</tbody>${foot}</table></div>`;
};
