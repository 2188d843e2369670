import type { NormalizedSchema } from '@smithy/core/schema';

/**
 * The awsQuery protocol (https://smithy.io/2.0/aws/protocols/aws-query-protocol.html), server side:
 * a form-encoded request (`Action=PutMetricAlarm&Version=2010-08-01&Dimensions.member.1.Name=…`)
 * decoded into the JSON-shaped input the emulators' operations take, and an XML answer encoded from
 * their JSON-shaped output. Both walk the operation's Smithy schema, so key names follow the same
 * rules as AWS SDK v3's QueryShapeSerializer and botocore: `member.N` lists unless `@xmlFlattened`,
 * `entry.N.key` / `entry.N.value` maps, `@xmlName` renames.
 */

type Json = Record<string, unknown>;

const nameOf = (ns: NormalizedSchema, fallback: string): string => {
  const xmlName = ns.getMergedTraits().xmlName;
  return typeof xmlName === 'string' ? xmlName : fallback;
};
const flattened = (ns: NormalizedSchema): boolean => Boolean(ns.getMergedTraits().xmlFlattened);

/** Decodes form parameters into the operation input (numbers and booleans typed, timestamps in epoch seconds). */
export function decodeQuery(input: NormalizedSchema, params: URLSearchParams): Json {
  return (read(input, '', params) as Json | undefined) ?? {};
}

function read(ns: NormalizedSchema, key: string, params: URLSearchParams): unknown {
  const at = (suffix: string) => (key === '' ? suffix : `${key}.${suffix}`);
  if (ns.isStructSchema()) {
    const out: Json = {};
    for (const [member, schema] of ns.structIterator()) {
      const value = read(schema, at(nameOf(schema, member)), params);
      if (value !== undefined) out[member] = value;
    }
    return Object.keys(out).length > 0 || key === '' ? out : undefined;
  }
  if (ns.isListSchema()) {
    // An empty list travels as the bare key with an empty value (`AlarmActions=`).
    if (params.get(key) === '') return [];
    const item = ns.getValueSchema();
    const prefix = flattened(ns) ? key : at(nameOf(item, 'member'));
    const out: unknown[] = [];
    for (let i = 1; ; i++) {
      const value = read(item, `${prefix}.${i}`, params);
      if (value === undefined) return out.length > 0 ? out : undefined;
      out.push(value);
    }
  }
  if (ns.isMapSchema()) {
    const keySchema = ns.getKeySchema();
    const valueSchema = ns.getValueSchema();
    const prefix = flattened(ns) ? key : at('entry');
    const out: Json = {};
    for (let i = 1; ; i++) {
      const k = params.get(`${prefix}.${i}.${nameOf(keySchema, 'key')}`);
      if (k === null) return Object.keys(out).length > 0 ? out : undefined;
      out[k] = read(valueSchema, `${prefix}.${i}.${nameOf(valueSchema, 'value')}`, params);
    }
  }
  const raw = params.get(key);
  if (raw === null) return undefined;
  if (ns.isBooleanSchema()) return raw === 'true' ? true : raw === 'false' ? false : raw;
  if (ns.isNumericSchema()) return raw.trim() !== '' && Number.isFinite(Number(raw)) ? Number(raw) : raw;
  if (ns.isTimestampSchema()) {
    const ms = /^\d+(\.\d+)?$/.test(raw) ? Number(raw) * 1000 : Date.parse(raw);
    return Number.isNaN(ms) ? raw : ms / 1000;
  }
  return raw;
}

const escapeXml = (text: string): string => text.replace(/[<>&'"\r]/g, (c) => `&#${c.charCodeAt(0)};`);

/** Encodes a JSON-shaped value (timestamps in epoch seconds) as the XML element `name`. */
export function encodeXml(ns: NormalizedSchema, value: unknown, name: string): string {
  if (value === undefined || value === null) return '';
  if (ns.isStructSchema()) {
    const obj = value as Json;
    let body = '';
    for (const [member, schema] of ns.structIterator()) {
      const v = obj[member];
      if (v === undefined || v === null) continue;
      const element = nameOf(schema, member);
      // A flattened list or map has no wrapper: each item repeats the member's element.
      if ((schema.isListSchema() || schema.isMapSchema()) && flattened(schema)) {
        body += encodeItems(schema, v, element);
      } else body += encodeXml(schema, v, element);
    }
    return `<${name}>${body}</${name}>`;
  }
  if (ns.isListSchema() || ns.isMapSchema()) {
    return `<${name}>${encodeItems(ns, value, ns.isListSchema() ? nameOf(ns.getValueSchema(), 'member') : 'entry')}</${name}>`;
  }
  return `<${name}>${escapeXml(scalar(ns, value))}</${name}>`;
}

function encodeItems(ns: NormalizedSchema, value: unknown, element: string): string {
  if (ns.isListSchema()) {
    return (Array.isArray(value) ? value : [])
      .map((v) => encodeXml(ns.getValueSchema(), v, element))
      .join('');
  }
  const keySchema = ns.getKeySchema();
  const valueSchema = ns.getValueSchema();
  return Object.entries(value as Json)
    .map(
      ([k, v]) =>
        `<${element}>${encodeXml(keySchema, k, nameOf(keySchema, 'key'))}${encodeXml(valueSchema, v, nameOf(valueSchema, 'value'))}</${element}>`,
    )
    .join('');
}

function scalar(ns: NormalizedSchema, value: unknown): string {
  if (ns.isTimestampSchema()) {
    const date =
      value instanceof Date ? value : new Date(typeof value === 'number' ? value * 1000 : String(value));
    return date.toISOString();
  }
  if (ns.isBlobSchema() && value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  return String(value);
}

/** `<OpResponse xmlns><OpResult>…</OpResult><ResponseMetadata>…</ResponseMetadata></OpResponse>`. */
export function queryResponse(
  operation: string,
  output: NormalizedSchema,
  value: Json,
  xmlNamespace: string,
  requestId: string,
): string {
  const result = output.isStructSchema() ? encodeXml(output, value, `${operation}Result`) : '';
  return `<${operation}Response xmlns="${xmlNamespace}">${result}<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${operation}Response>`;
}

/** The awsQuery error document. */
export function queryError(
  code: string,
  message: string,
  status: number,
  xmlNamespace: string,
  requestId: string,
): string {
  const type = status >= 500 ? 'Receiver' : 'Sender';
  return `<ErrorResponse xmlns="${xmlNamespace}"><Error><Type>${type}</Type><Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
}
