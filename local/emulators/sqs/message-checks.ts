import { sqsError } from './errors';

/** SendMessage and receipt-handle checks as the SQS API reference states them. */

const RECEIPT_HANDLE = /^[0-9a-f-]{36}:\d+:[0-9a-f-]{36}$/;
// "#x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF" (API_SendMessage).
const validCodePoint = (c: number) =>
  c === 0x9 ||
  c === 0xa ||
  c === 0xd ||
  (c >= 0x20 && c <= 0xd7ff) ||
  (c >= 0xe000 && c <= 0xfffd) ||
  (c >= 0x10000 && c <= 0x10ffff);
const validBody = (text: string) => [...text].every((ch) => validCodePoint(ch.codePointAt(0) ?? 0));

export function checkBody(raw: unknown): string {
  if (raw === undefined || raw === null) throw sqsError.missing('MessageBody');
  const body = String(raw);
  if (body.length === 0) {
    throw sqsError.invalidParameter(
      'One or more parameters are invalid. Reason: Message must be at least one character.',
    );
  }
  if (!validBody(body)) throw sqsError.contents();
  return body;
}

/** MessageSystemAttributes: AWSTraceHeader is the only one a producer may set (a String). */
export function checkSystemAttributes(raw: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(
    (raw ?? {}) as Record<string, { DataType?: unknown; StringValue?: unknown }>,
  )) {
    if (name !== 'AWSTraceHeader')
      throw sqsError.invalidParameter(`Message system attribute name '${name}' is invalid.`);
    if (value?.DataType !== 'String' || typeof value.StringValue !== 'string') {
      throw sqsError.invalidParameter('AWSTraceHeader must be a String message system attribute.');
    }
    out.AWSTraceHeader = value.StringValue;
  }
  return out;
}

export function receiptHandle(raw: unknown): string {
  if (raw === undefined || raw === null) throw sqsError.missing('ReceiptHandle');
  const handle = String(raw);
  if (!RECEIPT_HANDLE.test(handle)) throw sqsError.receiptInvalid(handle);
  return handle;
}
