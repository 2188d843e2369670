import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { duration, progress, rateAndEta } from '../../cli/progress';
import { quietSdkNodeWarning, unsupportedNode } from '../../scripts/node-support.mjs';

// Which Node.js runs the tooling (README "Node.js versions"), and a `fleet` that stays quiet on Node 20.
const engines = JSON.parse(readFileSync('package.json', 'utf8')).engines.node as string;
const onNode20 = Number(process.versions.node.split('.')[0]) < 22;

/** The real entry point, as `npx fleet` runs it, against nothing (no stack): it fails fast with exit 1. */
function fleetBin(env: Record<string, string> = {}) {
  return spawnSync(process.execPath, ['bin/fleet.mjs', '--local', 'tunnel', 'list'], {
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      AWS_ENDPOINT_URL_IOT: 'http://127.0.0.1:9',
      FLEET_API_URL: 'http://127.0.0.1:9',
      ...env,
    },
    timeout: 60_000,
  });
}

describe('supported Node.js versions', () => {
  it('follow package.json engines: 20.19+, 22.13+, 24 and later', () => {
    expect(engines).toBe('^20.19.0 || ^22.13.0 || >=24');
    for (const ok of ['v20.19.0', 'v20.20.2', 'v22.13.0', 'v22.20.1', 'v24.0.0', 'v26.1.0'])
      expect(unsupportedNode(ok), ok).toBeUndefined();
    for (const old of ['v18.20.8', 'v20.18.3', 'v21.7.3', 'v22.12.0', 'v23.11.0'])
      expect(unsupportedNode(old)).toBe(
        `fleet-autopilot needs Node.js ${engines} (this is ${old}); Node 22 is recommended (Lambda runs nodejs22.x)`,
      );
    expect(unsupportedNode(process.version)).toBeUndefined();
  });

  it('turns off only the SDK Node-version warning, only below Node 22, and never over a value the user set', () => {
    expect(quietSdkNodeWarning({}).AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED).toBe(
      onNode20 ? 'true' : undefined,
    );
    expect(
      quietSdkNodeWarning({ AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'false' })
        .AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED,
    ).toBe('false');
  });

  it('`fleet` prints its error and hint only: no NodeVersionSupportWarning on stderr', () => {
    const run = fleetBin();
    expect(run.status, run.stderr).toBe(1);
    expect(run.stderr).not.toContain('NodeVersionSupportWarning');
    expect(run.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^error: cannot reach the operator API at http:\/\/127\.0\.0\.1:9/),
      'hint: check --api-url / FLEET_API_URL and that the stack is running',
    ]);
  });

  it.runIf(onNode20)('(the warning this silences is real: a user who asks for it still gets it)', () => {
    const run = fleetBin({ AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'false' });
    expect(run.stderr).toContain('NodeVersionSupportWarning');
  });
});

describe('onboarding progress', () => {
  it('shows the rate so far and the time left at that rate', () => {
    expect(rateAndEta(0, 100, 0)).toBe('rate - ETA -');
    expect(rateAndEta(50, 500, 1000)).toBe('50/s ETA 9s');
    expect(rateAndEta(3, 1000, 2000)).toBe('1.5/s ETA 11m05s');
    expect(duration(7322)).toBe('2h02m');
    let t = 0;
    const lines: string[] = [];
    const bar = progress({ write: (s: string) => lines.push(s) }, 200, 'onboard', () => t);
    t = 2000;
    bar.update(100, 'conflicts 0 failed 0');
    expect(lines).toEqual(['onboard: 100/200 50/s ETA 2s conflicts 0 failed 0\n']);
    const tty: string[] = [];
    const live = progress({ write: (s: string) => tty.push(s), isTTY: true }, 10, 'onboard', () => t);
    t += 4000;
    live.update(5, 'x');
    expect(tty[0]).toContain('] 5/10 1.3/s ETA 4s x');
  });
});
