import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { InvalidInputError } from '../../errors';

const name = z.string().regex(/^[a-zA-Z0-9:_-]{1,128}$/, 'must match [a-zA-Z0-9:_-]{1,128}');

/** config/tunnel-policy.yml: which alarms open tunnels, and the guard rails around them. */
export const tunnelPolicySchema = z
  .object({
    version: z.literal(1),
    alarms: z
      .object({
        /** Alarms whose name starts with this are marked; serverless.yml puts it in the rule pattern too. */
        namePrefix: z.string().max(200).default(''),
      })
      .strict(),
    /** Services the tunnel carries to the device (OpenTunnel destinationConfig.services). */
    services: z.array(name).min(1).max(3),
    /** AWS allows 1 to 720 minutes. */
    maxLifetimeMinutes: z.number().int().min(1).max(720),
    /** Minimum time between two automated tunnels for one thing. */
    cooldownMinutes: z.number().int().min(0).max(10_080),
    /** Tunnels open at once across the fleet; each one costs money. */
    maxOpenTunnels: z.number().int().min(1).max(1000),
    thingGroups: z
      .object({
        allow: z.array(z.string().min(1).max(128)).optional(),
        deny: z.array(z.string().min(1).max(128)).default([]),
      })
      .strict()
      .default({ deny: [] }),
    closeOnOk: z.boolean().default(true),
  })
  .strict()
  .refine((p) => new Set(p.services).size === p.services.length, {
    message: 'services must not repeat',
    path: ['services'],
  });

export type TunnelPolicy = z.infer<typeof tunnelPolicySchema>;

/** Parses the policy file; every problem is reported at once, with its path. */
export function parsePolicyText(text: string): TunnelPolicy {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    throw new InvalidInputError(`tunnel policy: not valid YAML: ${(error as Error).message}`);
  }
  const result = tunnelPolicySchema.safeParse(raw);
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new InvalidInputError(`tunnel policy: ${issues.join('; ')}`, issues);
  }
  return result.data;
}
