import { PACKAGE_SHADOW, parsePackageVersionArn } from '../../shared/domain/rollout/health-package';
import type { LocalStack } from '../stack';

/** A `wrongVersion` device writes its old versions back this long after its success (within the settle time). */
export const WRONG_VERSION_REPORT_MS = 30_000;

/** Version per package the job installs, as the device's `$package` shadow reports it now (null: none). */
export function packagesBefore(
  stack: LocalStack,
  thingName: string,
  jobId: string,
): Record<string, string | null> {
  const arns = stack.services.iot.state.jobs.get(jobId)?.destinationPackageVersions ?? [];
  const reported = stack.services.iot.state.shadows.get(thingName)?.get(PACKAGE_SHADOW)?.reported ?? {};
  const before: Record<string, string | null> = {};
  for (const arn of arns) {
    const name = parsePackageVersionArn(arn)?.packageName;
    if (name === undefined) continue;
    const version = (reported[name] as { version?: unknown } | undefined)?.version;
    before[name] = typeof version === 'string' ? version : null;
  }
  return before;
}

/**
 * The device did not really switch: its agent reports what it runs, the versions from before the job,
 * over what AWS IoT Jobs wrote after the success (a package it had none of is removed: null deletes it).
 */
export function reportOldVersions(
  stack: LocalStack,
  thingName: string,
  before: Record<string, string | null>,
): void {
  const reported = Object.fromEntries(
    Object.entries(before).map(([name, version]) => [name, version === null ? null : { version }]),
  );
  if (Object.keys(reported).length === 0) return;
  stack.services.iot.shadows.update(thingName, PACKAGE_SHADOW, JSON.stringify({ state: { reported } }));
}
