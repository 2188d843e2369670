import * as z from '../../zod';

/**
 * An AWS IoT lifecycle event (`$aws/events/presence/connected|disconnected/<clientId>`, "Lifecycle
 * events" in the AWS IoT Developer Guide): always published, at least once, in any order. Only a client
 * id that is a thing name can be a device of a rollout (the convention fleet indexing relies on too).
 */
export const presenceEventSchema = z.object({
  clientId: z.string().check(z.minLength(1), z.maxLength(128)),
  /** Epoch ms. */
  timestamp: z.int().check(z.gte(0), z.lte(8_640_000_000_000_000)),
  eventType: z.enum(['connected', 'disconnected']),
  versionNumber: z.optional(z.int().check(z.gte(0))),
  disconnectReason: z.optional(z.string().check(z.maxLength(128))),
});
export type PresenceLifecycle = z.infer<typeof presenceEventSchema>;

export const THING_NAME = /^[a-zA-Z0-9:_-]{1,128}$/;
