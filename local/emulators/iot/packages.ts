import { IotError, invalidRequest, notFound } from './errors';
import { optObject, type Request } from './input';
import type { IotContext, JobRecord, Json } from './model';
import { updateThingShadow } from './shadows';

// AWS IoT Device Management Software Package Catalog, the parts a rollout uses: CreateJob's
// `destinationPackageVersions` (AWS IoT API Reference, CreateJob: 1-25 package version ARNs, each
// 1-1600 characters), the account's package configuration (GetPackageConfiguration,
// UpdatePackageConfiguration, VersionUpdateByJobsConfig) and what it does: with `enabled`, after a job
// execution that installs package versions SUCCEEDS, AWS IoT Jobs writes them to the thing's reserved
// named shadow `$package` (Developer Guide, "Preparing AWS IoT Jobs", "Preparing to use Software Package
// Catalog"). Packages and versions themselves (CreatePackage, CreatePackageVersion, their lifecycle) are
// not emulated: any well-formed version ARN of the account and region is taken as a published version.

const MAX_VERSIONS = 25;
const MAX_ARN = 1600;
const VERSION_ARN =
  /^arn:aws[a-z-]*:iot:([a-z0-9-]+):(\d{12}):package\/([a-zA-Z0-9._-]{1,128})\/version\/([a-zA-Z0-9._-]{1,64})$/;
const ROLE_ARN = { min: 20, max: 2048 };

/** The Software Package Catalog APIs answer a malformed request with ValidationException (400). */
const validation = (message: string) => new IotError('ValidationException', 400, message);

/** CreateJob's `destinationPackageVersions`, checked as AWS does; undefined when absent. */
export function validatePackageVersions(ctx: IotContext, raw: unknown): string[] | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!Array.isArray(raw) || raw.length < 1 || raw.length > MAX_VERSIONS)
    throw invalidRequest(`destinationPackageVersions must list 1 to ${MAX_VERSIONS} package version ARNs`);
  for (const arn of raw) {
    const m = typeof arn === 'string' && arn.length <= MAX_ARN ? VERSION_ARN.exec(arn) : null;
    if (!m) throw invalidRequest(`Invalid package version ARN: ${String(arn).slice(0, 200)}`);
    // Assumption: a version of another account or region is not found, like any resource there.
    if (m[1] !== ctx.region || m[2] !== ctx.accountId)
      throw notFound(`Package version ${arn} does not exist in this account and region`);
  }
  return raw as string[];
}

export function getPackageConfiguration(ctx: IotContext): Json {
  const { enabled, roleArn } = ctx.state.packageConfig.versionUpdateByJobs;
  return { versionUpdateByJobsConfig: { enabled, ...(roleArn === undefined ? {} : { roleArn }) } };
}

/** UpdatePackageConfiguration: the role is what AWS IoT Jobs writes `$package` as, so enabling needs one. */
export function updatePackageConfiguration(ctx: IotContext, req: Request): Json {
  const cfg = optObject(req.body, 'versionUpdateByJobsConfig');
  if (!cfg) return {};
  const current = ctx.state.packageConfig.versionUpdateByJobs;
  if (cfg.enabled !== undefined && typeof cfg.enabled !== 'boolean')
    throw validation('versionUpdateByJobsConfig.enabled must be a boolean');
  if (
    cfg.roleArn !== undefined &&
    (typeof cfg.roleArn !== 'string' ||
      cfg.roleArn.length < ROLE_ARN.min ||
      cfg.roleArn.length > ROLE_ARN.max)
  )
    throw validation(
      `versionUpdateByJobsConfig.roleArn must be ${ROLE_ARN.min} to ${ROLE_ARN.max} characters`,
    );
  const enabled = typeof cfg.enabled === 'boolean' ? cfg.enabled : current.enabled;
  const roleArn = typeof cfg.roleArn === 'string' ? cfg.roleArn : current.roleArn;
  if (enabled && roleArn === undefined)
    throw validation('versionUpdateByJobsConfig.roleArn is required to enable it');
  ctx.state.packageConfig.versionUpdateByJobs = { enabled, ...(roleArn === undefined ? {} : { roleArn }) };
  return {};
}

/**
 * After a SUCCEEDED execution of a job that installs package versions, with VersionUpdateByJobsConfig
 * on: `{ "<packageName>": { "version": "<versionName>" } }` merged into the `$package` reported state,
 * as an update of the Device Shadow service (its version, metadata and the fleet index follow).
 */
export function reportPackageVersions(ctx: IotContext, job: JobRecord, thingName: string): void {
  const arns = job.destinationPackageVersions;
  if (!arns || !ctx.state.packageConfig.versionUpdateByJobs.enabled) return;
  const reported: Json = {};
  for (const arn of arns) {
    const m = VERSION_ARN.exec(arn);
    if (m) reported[m[3] as string] = { version: m[4] };
  }
  updateThingShadow(ctx, thingName, '$package', JSON.stringify({ state: { reported } }));
}
