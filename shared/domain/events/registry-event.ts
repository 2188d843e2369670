import * as z from '../../zod';

/** AWS registry limits: thing names [a-zA-Z0-9:_-]{1,128}; attribute values up to 800 characters. */
const thingName = z
  .string()
  .check(z.regex(/^[a-zA-Z0-9:_-]{1,128}$/, 'thingName must be 1-128 of [a-zA-Z0-9:_-]'));
const attributeKey = z
  .string()
  .check(z.regex(/^[a-zA-Z0-9_.,@/:#-]{1,128}$/, 'attribute names are 1-128 of [a-zA-Z0-9_.,@/:#-]'));
const attributeValue = z.string().check(z.maxLength(800, 'attribute values are at most 800 characters'));
const text = (min: number, max: number) => z.string().check(z.minLength(min), z.maxLength(max));

/** Epoch seconds or milliseconds up to the year 2286: a larger value is not a date JavaScript can print. */
export const eventTimestamp = z.int().check(z.positive(), z.lte(9_999_999_999_999));

/**
 * `$aws/events/thing/{thingName}/created|updated|deleted`, as the AWS IoT developer guide documents it.
 * Attribute values are strings in AWS; any other type means the message did not come from AWS IoT.
 */
export const thingEventSchema = z.object({
  eventType: z.literal('THING_EVENT'),
  eventId: text(1, 256),
  timestamp: eventTimestamp,
  operation: z.enum(['CREATED', 'UPDATED', 'DELETED']),
  accountId: z.optional(z.string()),
  thingId: text(1, 128),
  thingName,
  versionNumber: z.int().check(z.nonnegative()),
  thingTypeName: z.nullish(text(1, 128)),
  attributes: z
    .nullish(z.record(attributeKey, attributeValue))
    .check(z.refine((a) => !a || Object.keys(a).length <= 100, 'more than 100 attributes')),
});

export type ThingEvent = z.infer<typeof thingEventSchema>;

/** Job and registry events carry 10-digit seconds or 13-digit milliseconds; normalise to ms. */
export function eventTimeMs(timestamp: number): number {
  return timestamp < 1e12 ? timestamp * 1000 : timestamp;
}
