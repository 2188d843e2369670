import { EventBridgeSchema } from '@aws-lambda-powertools/parser/schemas/eventbridge';
import { thingEventSchema } from '../../shared/domain/events/registry-event';
import { parseJsonBody } from '../../shared/domain/parse';
import { executionTerminalSchema, iotJobEventSchema } from '../../shared/domain/rollout/job-event';
import { stepInputSchema } from '../../shared/services/rollout-steps';
import { thingEvent } from '../helpers/events';
import { deepJson, generatedVariants, HOSTILE_VALUES, INJECTION_NAMES, mutations, SEED } from './corpus';

// Malformed events for the event-driven entry points: hand-written mutations of a documented
// payload, plus fast-check variants (fixed seed, fixed count).

export type Case = { label: string; value: unknown };
const GENERATED = 60;

/** Only the malformed ones: a mutation that happens to be valid (e.g. a version of 0) is not bad input. */
const malformed = (schema: { safeParse: (v: unknown) => { success: boolean } }, cases: Case[]): Case[] =>
  cases.filter((c) => !schema.safeParse(c.value).success);

const generated = (valid: Record<string, unknown>, prefix: string, seed = SEED): Case[] =>
  generatedVariants(valid, GENERATED, seed).map((value, i) => ({
    label: `${prefix} generated #${i}`,
    value,
  }));

const registryValid = thingEvent({ thingName: 'pump-0042' }) as unknown as Record<string, unknown>;

/** SQS bodies for assign-groups (text, since the body is text on the wire). */
export function registryCases(): { label: string; body: string }[] {
  const raw: { label: string; body: string }[] = [
    { label: 'empty body', body: '' },
    { label: 'not JSON', body: 'not json' },
    { label: 'truncated JSON', body: JSON.stringify(registryValid).slice(0, 40) },
    { label: 'JSON null', body: 'null' },
    { label: 'JSON array', body: '[]' },
    { label: 'JSON string', body: '"THING_EVENT"' },
    { label: 'over 128 KB', body: JSON.stringify({ ...registryValid, pad: 'x'.repeat(140_000) }) },
    { label: 'nested 20,000 deep', body: deepJson(20_000) },
    { label: 'timestamp beyond year 2286', body: JSON.stringify({ ...registryValid, timestamp: 1e17 }) },
  ];
  const objects: Case[] = [
    ...mutations(registryValid, HOSTILE_VALUES, (f, v) =>
      optional(f, v, ['accountId', 'thingTypeName', 'attributes']),
    ),
    ...INJECTION_NAMES.map((n) => ({
      label: `thingName ${JSON.stringify(n).slice(0, 30)}`,
      value: { ...registryValid, thingName: n },
    })),
    { label: 'attribute value a number', value: { ...registryValid, attributes: { region: 7 } } },
    { label: 'attribute value an object', value: { ...registryValid, attributes: { region: { $ne: 1 } } } },
    { label: '101 attributes', value: { ...registryValid, attributes: manyAttributes(101) } },
    { label: '10,000 bad attributes', value: { ...registryValid, attributes: manyAttributes(10_000, 1) } },
    { label: 'attribute key with space', value: { ...registryValid, attributes: { 'a b': 'x' } } },
    {
      label: 'attribute value of 801 chars',
      value: { ...registryValid, attributes: { a: 'x'.repeat(801) } },
    },
    { label: 'operation lower-case', value: { ...registryValid, operation: 'created' } },
    { label: 'eventType of a job', value: { ...registryValid, eventType: 'JOB' } },
    { label: 'version as string', value: { ...registryValid, versionNumber: '1' } },
    { label: 'negative version', value: { ...registryValid, versionNumber: -1 } },
  ];
  const all = [
    ...raw,
    ...[...objects, ...generated(registryValid, 'registry')].map((c) => ({
      label: c.label,
      body: JSON.stringify(c.value) ?? '',
    })),
  ];
  return all.filter((c) => {
    try {
      parseJsonBody(c.body, thingEventSchema, 'registry event');
      return false;
    } catch {
      return true;
    }
  });
}

function optional(field: string, value: unknown, fields: string[]): boolean {
  return fields.includes(field) && (value === undefined || value === null);
}

function manyAttributes(n: number, value: unknown = 'x'): Record<string, unknown> {
  return Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, value]));
}

const jobExecutionValid: Record<string, unknown> = {
  eventType: 'JOB_EXECUTION',
  eventId: 'a3b1-0001',
  timestamp: 1_767_225_600,
  operation: 'succeeded',
  jobId: 'fw-2-1-abcd1234-s0',
  thingArn: 'arn:aws:iot:us-east-1:123456789012:thing/pump-0042',
  status: 'SUCCEEDED',
  statusDetails: { detailsMap: 'ok' },
};

/** IoT rule payloads for job-events-bridge. */
export function jobEventCases(): Case[] {
  return malformed(iotJobEventSchema, [
    { label: 'null', value: null },
    { label: 'a string', value: 'JOB_EXECUTION' },
    { label: 'an array of 10,000', value: Array.from({ length: 10_000 }, () => jobExecutionValid) },
    { label: 'empty object', value: {} },
    ...mutations(
      jobExecutionValid,
      HOSTILE_VALUES,
      (f, v) => f === 'statusDetails' && (v === undefined || v === null),
    ),
    ...INJECTION_NAMES.map((n) => ({
      label: `jobId ${JSON.stringify(n).slice(0, 30)}`,
      value: { ...jobExecutionValid, jobId: n },
    })),
    ...INJECTION_NAMES.map((n) => ({
      label: `thingArn for ${JSON.stringify(n).slice(0, 30)}`,
      value: { ...jobExecutionValid, thingArn: `arn:aws:iot:us-east-1:123456789012:thing/${n}` },
    })),
    {
      label: 'thingArn of another service',
      value: { ...jobExecutionValid, thingArn: 'arn:aws:s3:::bucket/thing/x' },
    },
    { label: 'status details not strings', value: { ...jobExecutionValid, statusDetails: { a: 1 } } },
    ...generated(jobExecutionValid, 'job execution', SEED + 1),
  ]);
}

/** A normalized `JobExecutionTerminal` on the project bus. */
export const terminalValid: Record<string, unknown> = {
  version: '0',
  id: 'bus-0001',
  'detail-type': 'JobExecutionTerminal',
  source: 'fleet-autopilot',
  account: '123456789012',
  time: '2026-01-01T00:00:00Z',
  region: 'us-east-1',
  resources: [],
  detail: {
    eventId: 'a3b1-0001',
    jobId: 'fw-2-1-abcd1234-s0',
    thingName: 'pump-0042',
    thingArn: 'arn:aws:iot:us-east-1:123456789012:thing/pump-0042',
    status: 'SUCCEEDED',
    outcome: 'succeeded',
    at: 1_767_225_600_000,
    rolloutId: 'fw-2-1-abcd1234',
    stageIndex: 0,
  },
};

/** EventBridge events for rollout-tracker. */
export function trackerCases(): Case[] {
  const detail = terminalValid.detail as Record<string, unknown>;
  return malformed(EventBridgeSchema.extend({ detail: executionTerminalSchema }), [
    { label: 'null', value: null },
    { label: 'empty object', value: {} },
    ...mutations(terminalValid, HOSTILE_VALUES.slice(0, 12), (f) => f === 'resources' || f === 'version'),
    ...mutations(
      detail,
      HOSTILE_VALUES,
      (f, v) => (f === 'rolloutId' || f === 'stageIndex') && v === undefined,
    ).map((c) => ({ label: `detail.${c.label}`, value: { ...terminalValid, detail: c.value } })),
    ...INJECTION_NAMES.map((n) => ({
      label: `detail.thingName ${JSON.stringify(n).slice(0, 30)}`,
      value: { ...terminalValid, detail: { ...detail, thingName: n } },
    })),
    ...generated(detail, 'terminal detail', SEED + 2).map((c) => ({
      ...c,
      value: { ...terminalValid, detail: c.value },
    })),
  ]);
}

export const stepValid: Record<string, unknown> = {
  action: 'startStage',
  rolloutId: 'fw-2-1-abcd1234',
  stageIndex: 0,
  now: '2026-01-01T00:00:00.000Z',
  executionId: 'arn:aws:states:us-east-1:123456789012:execution:staged-rollout:fw-2-1-abcd1234',
};

/** State machine task payloads for rollout-steps. */
export function stepCases(): Case[] {
  return malformed(stepInputSchema, [
    { label: 'null', value: null },
    { label: 'empty object', value: {} },
    ...mutations(stepValid, HOSTILE_VALUES),
    ...INJECTION_NAMES.map((n) => ({
      label: `rolloutId ${JSON.stringify(n).slice(0, 30)}`,
      value: { ...stepValid, rolloutId: n },
    })),
    { label: 'unknown action', value: { ...stepValid, action: 'deleteEverything' } },
    { label: 'stage 51', value: { ...stepValid, stageIndex: 51 } },
    { label: 'token of 4 KB', value: { ...stepValid, action: 'awaitGate', token: 'x'.repeat(4096) } },
    { label: 'now without zone', value: { ...stepValid, now: '2026-01-01T00:00:00' } },
    ...generated(stepValid, 'step', SEED + 3),
  ]);
}
