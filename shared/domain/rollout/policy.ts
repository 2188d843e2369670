import { InvalidInputError } from '../../errors';
import * as z from '../../zod';

const bucket = z
  .string()
  .check(z.regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name (DNS style)'));
const host = z
  .string()
  .check(
    z.regex(
      /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/,
      'must be a lower-case host name',
    ),
  );
const scheme = z.string().check(z.regex(/^[a-z][a-z0-9+.-]{0,15}$/, 'must be a lower-case URL scheme'));
const rolePattern = z
  .string()
  .check(z.regex(/^[\w+=,.@*-]{1,64}$/, 'must be a role name, `*` matching any characters'));

/** config/rollout-policy.yml: the account-specific guard rails of rollouts (docs/rollouts.md). */
const rolloutPolicySchema = z.strictObject({
  version: z.literal(1),
  /** Where job documents may come from and point to. */
  documents: z.strictObject({
    /** URL schemes allowed inside a job document. */
    schemes: z.array(scheme).check(z.minLength(1), z.maxLength(5)),
    /** S3 buckets a document may come from (documentSource) or point to (URLs, presigned-URL placeholders). */
    buckets: z.array(bucket).check(z.maxLength(100)),
    /** Other hosts a document may point to. */
    hosts: z._default(z.array(host).check(z.maxLength(100)), []),
  }),
  /** Who counts as a person for four-eyes (shared/domain/rollout/identity.ts). */
  approvers: z._default(
    z.strictObject({ sessionNameRoles: z._default(z.array(rolePattern).check(z.maxLength(50)), []) }),
    { sessionNameRoles: [] },
  ),
});

export type RolloutPolicy = z.infer<typeof rolloutPolicySchema>;
export type DocumentPolicy = RolloutPolicy['documents'];

/** Validates the parsed policy file; every problem at once, with its path. */
export function parseRolloutPolicy(raw: unknown): RolloutPolicy {
  const result = rolloutPolicySchema.safeParse(raw);
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new InvalidInputError(`rollout policy: ${issues.join('; ')}`, issues);
  }
  return result.data;
}
