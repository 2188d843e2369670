/** The line to print when `version` cannot run the tooling (package.json engines), else undefined. */
export function unsupportedNode(version?: string, engines?: string): string | undefined;
/** Exits with that line on an unsupported Node. */
export function requireSupportedNode(): void;
/** Turns off the AWS SDK's NodeVersionSupportWarning below Node 22, unless the variable is set. */
export function quietSdkNodeWarning(
  env?: Record<string, string | undefined>,
): Record<string, string | undefined>;
