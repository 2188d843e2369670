import * as z from '../../zod';

const ruleName = z
  .string()
  .check(
    z.regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'rule names are lower-case letters, digits and dashes (max 63)'),
  );
const nonEmpty = () => z.string().check(z.minLength(1));

const condition = z.strictObject({
  /** The thing must have one of these thing types. */
  thingTypes: z.optional(z.array(nonEmpty()).check(z.minLength(1))),
  /** Each attribute must equal the value, or one of the values. */
  attributes: z.optional(
    z.record(z.string(), z.union([z.string(), z.array(z.string()).check(z.minLength(1))])),
  ),
  /** Each attribute must be present and non-empty. */
  exists: z.optional(z.array(nonEmpty()).check(z.minLength(1))),
});

const ring = z.strictObject({
  group: nonEmpty(),
  percent: z.number().check(z.positive(), z.lte(100), z.multipleOf(0.01)),
});

const rule = z
  .strictObject({
    name: ruleName,
    description: z.optional(z.string().check(z.maxLength(500))),
    when: z.optional(condition),
    /** Group-name template, e.g. `site-{region}-{site}`. Exactly one of group / rings. */
    group: z.optional(nonEmpty()),
    /** Parent chain, root first, each a template; created parent-first. */
    parents: z.optional(z.array(nonEmpty()).check(z.maxLength(20))),
    /** Stable percentage rings chosen by a hash of the thing name; a thing is in at most one. */
    rings: z.optional(z.array(ring).check(z.minLength(1))),
    /** Hash salt for rings; change it only to reshuffle every ring. */
    salt: z.optional(z.string().check(z.minLength(1), z.maxLength(64))),
  })
  .check(
    z.refine((r) => (r.group === undefined) !== (r.rings === undefined), {
      message: 'a rule has exactly one of "group" or "rings"',
    }),
  );

export const rulesFileSchema = z.strictObject({
  version: z.literal(1),
  /** Group names are lower-cased unless this is false. */
  lowerCase: z._default(z.boolean(), true),
  rules: z.array(rule).check(z.minLength(1), z.maxLength(50)),
});

type RulesFile = z.infer<typeof rulesFileSchema>;
export type RuleSpec = RulesFile['rules'][number];
export type RuleCondition = z.infer<typeof condition>;
