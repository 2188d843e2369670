import { z } from 'zod';

const ruleName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'rule names are lower-case letters, digits and dashes (max 63)');

const condition = z
  .object({
    /** The thing must have one of these thing types. */
    thingTypes: z.array(z.string().min(1)).min(1).optional(),
    /** Each attribute must equal the value, or one of the values. */
    attributes: z.record(z.string(), z.union([z.string(), z.array(z.string()).min(1)])).optional(),
    /** Each attribute must be present and non-empty. */
    exists: z.array(z.string().min(1)).min(1).optional(),
  })
  .strict();

const ring = z
  .object({
    group: z.string().min(1),
    percent: z.number().positive().max(100).multipleOf(0.01),
  })
  .strict();

const rule = z
  .object({
    name: ruleName,
    description: z.string().max(500).optional(),
    when: condition.optional(),
    /** Group-name template, e.g. `site-{region}-{site}`. Exactly one of group / rings. */
    group: z.string().min(1).optional(),
    /** Parent chain, root first, each a template; created parent-first. */
    parents: z.array(z.string().min(1)).max(20).optional(),
    /** Stable percentage rings chosen by a hash of the thing name; a thing is in at most one. */
    rings: z.array(ring).min(1).optional(),
    /** Hash salt for rings; change it only to reshuffle every ring. */
    salt: z.string().min(1).max(64).optional(),
  })
  .strict()
  .refine((r) => (r.group === undefined) !== (r.rings === undefined), {
    message: 'a rule has exactly one of "group" or "rings"',
  });

export const rulesFileSchema = z
  .object({
    version: z.literal(1),
    /** Group names are lower-cased unless this is false. */
    lowerCase: z.boolean().default(true),
    rules: z.array(rule).min(1).max(50),
  })
  .strict();

export type RulesFile = z.infer<typeof rulesFileSchema>;
export type RuleSpec = RulesFile['rules'][number];
export type RuleCondition = z.infer<typeof condition>;
