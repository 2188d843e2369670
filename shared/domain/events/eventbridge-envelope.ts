import * as z from '../../zod';

/**
 * The EventBridge envelope, checked as strictly as Powertools' EventBridgeSchema (whose classic zod
 * would add ~200 KB to a bundle). Consumers extend it with their own `detail`.
 */
export const eventBridgeEnvelope = z.object({
  version: z.string(),
  id: z.string(),
  source: z.string(),
  account: z.string(),
  time: z.iso.datetime(),
  region: z.string(),
  resources: z.array(z.string()),
  'detail-type': z.string(),
  detail: z.unknown(),
  'replay-name': z.optional(z.string()),
});
