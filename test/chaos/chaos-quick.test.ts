import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChaosResult, runChaos } from '../../local/chaos/run';
import { loadChaosScenario } from '../../local/chaos/schema';
import { chaosTable } from '../../local/chaos/table';

// The quick chaos scenario on the local stack: every fault at once, the adversary's attacks, then
// every invariant.
let result: ChaosResult;
const value = (name: string) => result.rows.find((r) => r.name === name)?.value ?? '';
const first = (name: string) => Number(value(name).split(/[^0-9]/)[0]);

beforeAll(async () => {
  const file = 'scenarios/chaos-quick.yml';
  result = await runChaos(loadChaosScenario(file), path.dirname(path.resolve(file)));
}, 400_000);
afterAll(() => {
  if (result && !result.ok) console.log(chaosTable([result]));
});

describe('chaos (quick)', () => {
  it('injected every fault it claims to', () => {
    expect(first('API faults injected (throttle / 5xx)')).toBeGreaterThan(300);
    const [published = 0, duplicated = 0] = value('IoT events published / duplicated')
      .split(' / ')
      .map(Number);
    expect(published).toBeGreaterThan(250);
    expect(duplicated / published).toBeGreaterThan(0.45);
    expect(first('EventBridge deliveries repeated')).toBeGreaterThan(50);
    expect(first('containers crashed mid-invocation')).toBe(15);
    expect(first('state machine Lambda task faults (retried)')).toBeGreaterThan(0);
    const [changed = 0, failed = 0] = value('alarm state changes (storm, failed)').split(', ').map(Number);
    expect(changed).toBeGreaterThan(200);
    expect(changed + failed).toBe(300);
    expect(first('things created in the burst (failed)')).toBe(20);
  });

  it('holds every invariant: nothing lost, doubled, unaudited, misgrouped, parked, continued, over the cap or leaked', () => {
    const failing = result.rows.filter((r) => r.ok === false);
    expect(failing).toEqual([]);
    expect(result.ok).toBe(true);
    expect(value('approvals decided more than once')).toMatch(/1 decided, 1 concurrent decisions refused/);
    expect(value('rollouts continued after a halt')).toMatch(/\(1 rollouts halted/);
    // The storm flaps each alarm every 6 s: an ALARM whose alarm is OK again by the time the function
    // reads it opens nothing (audited as skipped), so only some of the storm's alarms open tunnels.
    expect(first('tunnels opened (max open at once / cap)')).toBeGreaterThan(0);
    expect(value('things not in the groups their attributes call for')).toMatch(/^0 \(120 things checked/);
    expect(value('audit records untrue about time')).toMatch(
      /^0 \([1-9]\d* record effects, [1-9]\d* write times checked/,
    );
  });

  it('ran every attack of the adversary, and none had an effect', () => {
    expect(result.adversary).toBe(true);
    const attacks = result.rows.filter((r) => r.name.startsWith('adversary: '));
    expect(attacks).toHaveLength(8);
    for (const attack of attacks) expect(attack, attack.name).toMatchObject({ ok: true });
    expect(
      value('adversary: forged job outcomes on the bus (SUCCEEDED, 5 h ahead, for a failing stage)'),
    ).toMatch(/stopped by: \d+ of \d+ entries: AccessDeniedException/);
    expect(value('adversary: approval by the creator')).toMatch(/HTTP 403/);
  });
});
