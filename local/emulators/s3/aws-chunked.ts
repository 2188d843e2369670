/**
 * Decodes an `aws-chunked` body (SigV4 streaming uploads, and SDK v3's flexible checksums with a
 * trailing checksum): `<hex size>[;chunk-signature=…]\r\n<data>\r\n` … `0\r\n<trailers>\r\n\r\n`.
 */
export function decodeAwsChunked(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  let i = 0;
  for (;;) {
    const eol = body.indexOf('\r\n', i);
    if (eol < 0) throw new Error('aws-chunked body ends inside a chunk header');
    const size = Number.parseInt(body.subarray(i, eol).toString('latin1').split(';')[0] ?? '', 16);
    if (!Number.isFinite(size) || size < 0) throw new Error('aws-chunked body has a bad chunk size');
    if (size === 0) return Buffer.concat(parts);
    parts.push(body.subarray(eol + 2, eol + 2 + size));
    i = eol + 2 + size + 2;
  }
}
