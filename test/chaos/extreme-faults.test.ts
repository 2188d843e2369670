import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runChaos } from '../../local/chaos/run';
import { loadChaosScenario } from '../../local/chaos/schema';
import { chaosTable } from '../../local/chaos/table';

// At 60 % throttling and 30 % 5xx on every API the product may break invariants (operators' calls
// fail, events park): the harness must still finish and say so. It used to die on an unhandled
// ServiceUnavailableException from a virtual device's call.
describe('chaos at extreme fault rates', () => {
  it('completes with a report: every row present, faults injected, nothing left unhandled', async () => {
    const file = 'test/chaos/fixtures/chaos-extreme.yml';
    const result = await runChaos(loadChaosScenario(file), path.dirname(path.resolve(file)));
    console.log(chaosTable([result]));
    const row = (name: string) => result.rows.find((r) => r.name === name);
    const [throttled = 0, failed = 0] = (row('API faults injected (throttle / 5xx)')?.value ?? '')
      .split(' / ')
      .map(Number);
    expect(throttled).toBeGreaterThan(failed);
    expect(failed).toBeGreaterThan(10);
    for (const name of [
      'events lost',
      'audit records vs side effects: mismatches',
      'things not in the groups their attributes call for',
      'events left parked',
      'audit records untrue about time',
      'token leaks',
    ])
      expect(row(name)?.ok, name).toBeTypeOf('boolean');
    expect(row('harness errors (reported, not crashed)')).toMatchObject({ value: '0', ok: true });
    expect(typeof result.ok).toBe('boolean');
    expect(chaosTable([result])).toMatch(/\| result \| (PASS|FAIL) \|/);
  }, 240_000);
});
