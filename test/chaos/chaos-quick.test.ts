import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChaosResult, runChaos } from '../../local/chaos/run';
import { loadChaosScenario } from '../../local/chaos/schema';
import { chaosTable } from '../../local/chaos/table';

// The quick chaos scenario on the local stack: every fault at once, then every invariant.
let result: ChaosResult;
const value = (name: string) => result.rows.find((r) => r.name === name)?.value ?? '';
const first = (name: string) => Number(value(name).split(/[^0-9]/)[0]);

beforeAll(async () => {
  const file = 'scenarios/chaos-quick.yml';
  result = await runChaos(loadChaosScenario(file), path.dirname(path.resolve(file)));
}, 150_000);
afterAll(() => {
  if (result && !result.ok) console.log(chaosTable([result]));
});

describe('chaos (quick)', () => {
  it('injected every fault it claims to', () => {
    expect(first('API faults injected (throttle / 5xx)')).toBeGreaterThan(100);
    expect(first('IoT events published / duplicated')).toBeGreaterThan(250);
    expect(first('EventBridge deliveries repeated')).toBeGreaterThan(0);
    expect(first('containers crashed mid-invocation')).toBe(4);
    expect(first('state machine Lambda task faults (retried)')).toBeGreaterThan(0);
    const [changed = 0, failed = 0] = value('alarm state changes (storm, failed)').split(', ').map(Number);
    expect(changed).toBeGreaterThan(60);
    expect(changed + failed).toBe(72);
    expect(first('things created in the burst (failed)')).toBe(20);
  });

  it('holds every invariant: nothing lost, doubled, unaudited, continued, over the cap or leaked', () => {
    const failing = result.rows.filter((r) => r.ok === false);
    expect(failing).toEqual([]);
    expect(result.ok).toBe(true);
    expect(value('approvals decided more than once')).toMatch(/1 decided, 1 concurrent decisions refused/);
    expect(value('rollouts continued after a halt')).toMatch(/\(1 rollouts halted/);
    expect(first('tunnels opened (max open at once / cap)')).toBeGreaterThanOrEqual(10);
  });
});
