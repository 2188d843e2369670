// The Node.js versions the tooling runs on (README "Node.js versions"): the range package.json's
// `engines` declares, checked before anything else so an older Node fails with one clear line.
import { readFileSync } from 'node:fs';

const ENGINES = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).engines.node;

/** `^20.19.0` (that major, at least that version) or `>=24` (that version or later), joined by `||`. */
function satisfies(version, range) {
  const v = version.replace(/^v/, '').split('.').map(Number);
  const atLeast = (min) => {
    for (let i = 0; i < 3; i += 1) if ((v[i] ?? 0) !== (min[i] ?? 0)) return (v[i] ?? 0) > (min[i] ?? 0);
    return true;
  };
  return range.split('||').some((part) => {
    const [, op, rest = ''] = /^\s*(\^|>=)(\S+)\s*$/.exec(part) ?? [];
    if (!op) throw new Error(`package.json engines: cannot read ${JSON.stringify(part)}`);
    const min = rest.split('.').map(Number);
    return op === '>=' ? atLeast(min) : v[0] === min[0] && atLeast(min);
  });
}

/** The line to print when `version` (e.g. 'v20.20.2') cannot run the tooling, else undefined. */
export function unsupportedNode(version = process.version, engines = ENGINES) {
  if (satisfies(version, engines)) return undefined;
  return `fleet-autopilot needs Node.js ${engines} (this is ${version}); Node 22 is recommended (Lambda runs nodejs22.x)`;
}

/** Exits with that line on an unsupported Node; call it first in every entry point. */
export function requireSupportedNode() {
  const problem = unsupportedNode();
  if (problem) {
    process.stderr.write(`error: ${problem}\n`);
    process.exit(1);
  }
}

/**
 * AWS SDK v3 prints a 9-line NodeVersionSupportWarning on Node < 22: SDK versions published after the
 * first week of January 2027 will require Node 22. The versions this repository pins keep working on
 * Node 20, so the SDK's own documented switch turns off that one warning (aws/aws-sdk-js-v3#7983);
 * every other warning still shows. A value the user set wins.
 */
export function quietSdkNodeWarning(env = process.env) {
  if (Number(process.versions.node.split('.')[0]) < 22)
    env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  return env;
}
