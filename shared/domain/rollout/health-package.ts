import { clipText, MAX_EXPLANATION } from './health-self-check';

/**
 * Does a device run the package versions its job installed? AWS IoT Software Package Catalog keeps a
 * device's package inventory in the reserved named shadow `$package`, whose reported state holds one
 * key per package: `{ "<packageName>": { "version": "<versionName>", "attributes": {...} } }`. With the
 * account's VersionUpdateByJobsConfig on, AWS IoT Jobs writes the job's `destinationPackageVersions`
 * there after a SUCCEEDED execution, asynchronously; the device may write it too (its agent reports what
 * it runs). So the shadow is judged only once the success has settled (AWS IoT Developer Guide,
 * "Preparing to use Software Package Catalog"; API Reference, "VersionUpdateByJobsConfig").
 */

export const PACKAGE_SHADOW = '$package';
/** A success is judged on its `$package` shadow this long after it: AWS's write and the device's have landed. */
export const PACKAGE_SETTLE_MS = 2 * 60_000;
/** At most this many package versions per job (CreateJob `destinationPackageVersions`). */
export const MAX_PACKAGE_VERSIONS = 25;
/** CreateJob: each ARN 1-1600 characters. */
export const MAX_PACKAGE_VERSION_ARN = 1600;

/** `arn:<partition>:iot:<region>:<account>:package/<packageName>/version/<versionName>` (Preparing security). */
export const PACKAGE_VERSION_ARN =
  /^arn:aws[a-z-]*:iot:[a-z0-9-]+:\d{12}:package\/([a-zA-Z0-9._-]{1,128})\/version\/([a-zA-Z0-9._-]{1,64})$/;

export type PackageTarget = { packageName: string; versionName: string };

/** The package and version an ARN names, or undefined when it is not a package version ARN. */
export function parsePackageVersionArn(arn: string): PackageTarget | undefined {
  const m = arn.length <= MAX_PACKAGE_VERSION_ARN ? PACKAGE_VERSION_ARN.exec(arn) : null;
  return m ? { packageName: m[1] as string, versionName: m[2] as string } : undefined;
}

/** The versions a device must report after a success, by package name (sorted: answers do not depend on order). */
export function packageTargets(arns: readonly string[] | undefined): PackageTarget[] {
  return (arns ?? [])
    .map(parsePackageVersionArn)
    .filter((t): t is PackageTarget => t !== undefined)
    .sort((a, b) => (a.packageName < b.packageName ? -1 : a.packageName > b.packageName ? 1 : 0));
}

/** The `$package` shadow as AWS IoT holds it now; undefined when the thing has none. */
export type PackageShadow = { reported?: unknown };

const NAME = /^[a-zA-Z0-9._-]{1,64}$/;
// What a device wrote is shown as is only when it looks like a version name; anything else is quoted
// (JSON escapes control characters) and clipped, so it cannot forge lines in an audit view.
function shown(value: unknown): string {
  if (typeof value === 'string') return NAME.test(value) ? value : clipText(JSON.stringify(value), 40);
  return `${clipText(JSON.stringify(value) ?? 'null', 40)} (not a string)`;
}

function reportedVersion(reported: unknown, packageName: string): unknown {
  if (reported === null || typeof reported !== 'object' || Array.isArray(reported)) return undefined;
  // Own keys only: a package named `constructor` must not be found on Object.prototype.
  const entry = Object.hasOwn(reported, packageName)
    ? (reported as Record<string, unknown>)[packageName]
    : undefined;
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) return undefined;
  return Object.hasOwn(entry, 'version') ? (entry as Record<string, unknown>).version : undefined;
}

/**
 * Undefined when the shadow reports the target version of every package; otherwise why not, for the
 * first package (by name) that does not match: another version, no version, or no shadow at all.
 */
export function packageVersionFailure(
  targets: readonly PackageTarget[],
  shadow: PackageShadow | undefined,
): string | undefined {
  if (targets.length === 0) return undefined;
  if (!shadow) return `no ${PACKAGE_SHADOW} shadow: nothing reported a package version after the success`;
  for (const { packageName, versionName } of targets) {
    const version = reportedVersion(shadow.reported, packageName);
    if (version === versionName) continue;
    const why =
      version === undefined || version === null
        ? `reports no version for package ${packageName}, expected ${versionName}`
        : `reports ${shown(version)} for package ${packageName}, expected ${versionName}`;
    return clipText(why, MAX_EXPLANATION);
  }
  return undefined;
}

/** A matching shadow, in words: `reports 3.1.0 for package fw`. */
export function packageVersionEvidence(targets: readonly PackageTarget[]): string {
  const parts = targets.map((t) => `${t.versionName} for package ${t.packageName}`);
  return clipText(`reports ${parts.join(', ')}`, MAX_EXPLANATION);
}
