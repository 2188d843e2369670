import { createHash } from 'node:crypto';
import type { ThingSpec } from './things-csv';

/**
 * `fleet onboard --bulk`: the CSV's things as AWS IoT bulk registration tasks (StartThingRegistrationTask,
 * Developer Guide "Bulk registration", "Provisioning templates"). Things of one shape (thing type or
 * not, the same attribute keys) share a template whose parameters are the CSV's cells, and an input
 * file of one JSON object per line. A shape per task keeps every thing identical to what the paced
 * path creates: an empty cell is an absent attribute, never an empty one. Pure.
 */
export type BulkBatch = {
  /** Stable over reruns of the same remaining things: a resumed run follows the same task. */
  key: string;
  things: ThingSpec[];
  templateBody: string;
  /** One JSON object per line, in `things` order: a report's `offset` is the index here. */
  inputBody: string;
};

const shapeOf = (t: ThingSpec) =>
  `${t.thingType ? 'typed' : 'untyped'}:${Object.keys(t.attributes).sort().join(',')}`;

function template(sample: ThingSpec): string {
  const keys = Object.keys(sample.attributes).sort();
  const parameters: Record<string, { Type: 'String' }> = { ThingName: { Type: 'String' } };
  if (sample.thingType) parameters.ThingTypeName = { Type: 'String' };
  keys.forEach((_k, i) => {
    parameters[`a${i}`] = { Type: 'String' };
  });
  return JSON.stringify({
    Parameters: parameters,
    Resources: {
      thing: {
        Type: 'AWS::IoT::Thing',
        Properties: {
          ThingName: { Ref: 'ThingName' },
          ...(sample.thingType ? { ThingTypeName: { Ref: 'ThingTypeName' } } : {}),
          ...(keys.length
            ? { AttributePayload: Object.fromEntries(keys.map((k, i) => [k, { Ref: `a${i}` }])) }
            : {}),
        },
      },
    },
  });
}

function inputLine(t: ThingSpec): string {
  const keys = Object.keys(t.attributes).sort();
  return JSON.stringify({
    ThingName: t.thingName,
    ...(t.thingType ? { ThingTypeName: t.thingType } : {}),
    ...Object.fromEntries(keys.map((k, i) => [`a${i}`, t.attributes[k]])),
  });
}

/** The batches for the things still to register, one per shape, largest first. */
export function bulkBatches(things: readonly ThingSpec[]): BulkBatch[] {
  const byShape = new Map<string, ThingSpec[]>();
  for (const t of things) byShape.set(shapeOf(t), [...(byShape.get(shapeOf(t)) ?? []), t]);
  return [...byShape.entries()]
    .sort((a, b) => b[1].length - a[1].length || (a[0] < b[0] ? -1 : 1))
    .map(([shape, group]) => ({
      key: createHash('sha256')
        .update(`${shape}\n${group.map((t) => t.thingName).join('\n')}`)
        .digest('hex')
        .slice(0, 16),
      things: group,
      templateBody: template(group[0] as ThingSpec),
      inputBody: `${group.map(inputLine).join('\n')}\n`,
    }));
}

export type LineError = { line: number; thingName: string; code: string; message: string };

/**
 * A task's ERRORS report against its batch: each report line is a JSON object naming the input line by
 * `offset` (0-based) with an error code and message. AWS does not document the report's line format;
 * a line that does not parse is kept, unattributed (line 0), with its text.
 */
export function reportErrors(batch: BulkBatch, report: string): LineError[] {
  return report
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((text) => {
      let entry: { offset?: unknown; errorCode?: unknown; errorMessage?: unknown };
      try {
        entry = JSON.parse(text) as typeof entry;
      } catch {
        return { line: 0, thingName: '?', code: 'Unknown', message: text.slice(0, 300) };
      }
      const thing = typeof entry.offset === 'number' ? batch.things[entry.offset] : undefined;
      return {
        line: thing?.line ?? 0,
        thingName: thing?.thingName ?? '?',
        code: String(entry.errorCode ?? 'Unknown'),
        message: String(entry.errorMessage ?? text).slice(0, 500),
      };
    })
    .sort((a, b) => a.line - b.line);
}
