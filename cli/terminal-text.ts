/**
 * Text the CLI prints can come from anyone who could write it somewhere: an operator's comment, a
 * plan or thing name, a CSV attribute, an audit record's details. Control characters in it would be
 * obeyed by the terminal: ESC sequences move the cursor, erase or recolour lines and retitle the
 * window, a carriage return or backspace overwrites what a reviewer reads, and bidirectional
 * overrides reorder it. Every line the CLI prints goes through `neutralise` (cli/io.ts `line`): such
 * characters are shown as `\uXXXX`, which inside JSON output is the same character's JSON escape,
 * so `--json` and `--format jsonl` stay valid JSON.
 */

const ranges: [number, number][] = [
  [0x00, 0x08], // C0 controls, except tab (0x09) and newline (0x0a)
  [0x0b, 0x1f], // ... including carriage return (0x0d) and ESC (0x1b)
  [0x7f, 0x9f], // DEL and C1 controls (0x9b is a one-byte CSI)
  [0x061c, 0x061c], // Arabic letter mark
  [0x200b, 0x200f], // zero-width characters, LRM, RLM
  [0x2028, 0x202e], // line and paragraph separators, bidi embeddings and overrides
  [0x2060, 0x206f], // word joiner, invisible operators, bidi isolates
  [0xfeff, 0xfeff], // zero-width no-break space
];
const hex = (n: number) => `\\u${n.toString(16).padStart(4, '0')}`;
const CLASS = ranges.map(([a, b]) => (a === b ? hex(a) : `${hex(a)}-${hex(b)}`)).join('');
const UNSAFE = new RegExp(`[${CLASS}]`, 'g');
const UNSAFE_OR_NEWLINE = new RegExp(`[${CLASS}\\n]`, 'g');

const shown = (ch: string) => `\\u${(ch.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`;

/** The text with every control or invisible-formatting character shown as `\uXXXX`; newlines kept. */
export function neutralise(text: string): string {
  return text.replace(UNSAFE, shown);
}

/** As `neutralise`, and newlines too: for one field that must stay on its line. */
export function oneLine(text: string): string {
  return text.replace(UNSAFE_OR_NEWLINE, shown);
}
