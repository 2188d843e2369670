/** One CSV record with the 1-based line it starts on (a quoted field may span lines). */
type CsvRecord = { line: number; fields: string[] };
export type CsvParse = { records: CsvRecord[]; problems: { line: number; message: string }[] };

/**
 * RFC 4180 CSV: comma-separated, fields may be double-quoted, `""` is a quote inside a quoted
 * field, CRLF or LF line ends, a UTF-8 BOM is ignored. Blank lines are skipped. Pure.
 */
export function parseCsv(text: string): CsvParse {
  const source = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const records: CsvRecord[] = [];
  const problems: CsvParse['problems'] = [];
  let line = 1;
  let i = 0;
  while (i < source.length) {
    const start = line;
    const fields: string[] = [];
    let field = '';
    let quoted = false;
    let wasQuoted = false;
    let bad: string | undefined;
    for (; i < source.length; i++) {
      const c = source[i] as string;
      if (quoted) {
        if (c === '"' && source[i + 1] === '"') {
          field += '"';
          i++;
        } else if (c === '"') quoted = false;
        else {
          if (c === '\n') line++;
          field += c;
        }
        continue;
      }
      if (c === '"') {
        if (field.length > 0 || wasQuoted)
          bad ??= `a quote inside an unquoted field (field ${fields.length + 1})`;
        else {
          quoted = true;
          wasQuoted = true;
        }
      } else if (c === ',') {
        fields.push(field);
        field = '';
        wasQuoted = false;
      } else if (c === '\n' || c === '\r') {
        if (c === '\r' && source[i + 1] === '\n') i++;
        i++;
        line++;
        break;
      } else if (wasQuoted) bad ??= `text after a closing quote (field ${fields.length + 1})`;
      else field += c;
    }
    if (quoted) bad = 'a quoted field is never closed';
    fields.push(field);
    if (bad) problems.push({ line: start, message: bad });
    else if (!(fields.length === 1 && fields[0] === '')) records.push({ line: start, fields });
  }
  return { records, problems };
}

/** One CSV field: quoted when it holds a comma, quote, CR or LF (or starts with a formula character). */
export function csvField(value: string): string {
  // A leading = + - @ would be a formula in a spreadsheet: quote and prefix with ' (OWASP CSV injection).
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) || safe !== value ? `"${safe.replace(/"/g, '""')}"` : safe;
}
