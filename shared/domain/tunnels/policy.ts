import { InvalidInputError } from '../../errors';
import * as z from '../../zod';

const name = z.string().check(z.regex(/^[a-zA-Z0-9:_-]{1,128}$/, 'must match [a-zA-Z0-9:_-]{1,128}'));
const groupName = z.string().check(z.minLength(1), z.maxLength(128));
const int = (min: number, max: number) => z.int().check(z.gte(min), z.lte(max));

/** config/tunnel-policy.yml: which alarms open tunnels, and the guard rails around them. */
const tunnelPolicySchema = z
  .strictObject({
    version: z.literal(1),
    alarms: z.strictObject({
      /** Alarms whose name starts with this are marked; serverless.yml puts it in the rule pattern too. */
      namePrefix: z._default(z.string().check(z.maxLength(200)), ''),
    }),
    /** Services the tunnel carries to the device (OpenTunnel destinationConfig.services). */
    services: z.array(name).check(z.minLength(1), z.maxLength(3)),
    /** AWS allows 1 to 720 minutes. */
    maxLifetimeMinutes: int(1, 720),
    /** Minimum time between two automated tunnels for one thing. */
    cooldownMinutes: int(0, 10_080),
    /** Tunnels open at once across the fleet; each one costs money. */
    maxOpenTunnels: int(1, 1000),
    thingGroups: z._default(
      z.strictObject({
        allow: z.optional(z.array(groupName)),
        deny: z._default(z.array(groupName), []),
      }),
      { deny: [] },
    ),
    closeOnOk: z._default(z.boolean(), true),
  })
  .check(
    z.refine((p) => new Set(p.services).size === p.services.length, {
      message: 'services must not repeat',
      path: ['services'],
    }),
  );

export type TunnelPolicy = z.infer<typeof tunnelPolicySchema>;

/** Validates the parsed policy file; every problem is reported at once, with its path. */
export function parsePolicy(raw: unknown): TunnelPolicy {
  const result = tunnelPolicySchema.safeParse(raw);
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new InvalidInputError(`tunnel policy: ${issues.join('; ')}`, issues);
  }
  return result.data;
}
