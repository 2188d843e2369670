import { describe, expect, it } from 'vitest';
import { cohortOf, drawExecution } from '../../../local/fleet/cohorts';
import { generateDevices } from '../../../local/fleet/population';
import { parseDuration } from '../../../local/scenario/duration';
import { loadScenario, parseScenario } from '../../../local/scenario/load';
import { InvalidScenarioError } from '../../../local/scenario/schema';

const minimal = (extra = '') =>
  `name: t\nseed: 5\ndevices: { count: 50 }\n${extra}timeline:\n  - { at: 0s, provision: {} }\n`;

function issuesOf(text: string): readonly string[] {
  try {
    parseScenario(text);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidScenarioError);
    return (error as InvalidScenarioError).issues;
  }
  throw new Error('expected the scenario to be invalid');
}

describe('scenario validation', () => {
  it('accepts the default scenario and fills defaults', () => {
    const s = loadScenario('scenarios/default.yml');
    expect(s.devices.count).toBeGreaterThanOrEqual(1000);
    expect(parseScenario(minimal()).devices.namePrefix).toBe('device-');
    expect(parseScenario(minimal()).timeline[0]).toEqual({
      at: 0,
      provision: { count: 'all', ratePerSecond: 100 },
    });
  });

  it('names the field of every problem', () => {
    const issues = issuesOf(
      `name: t\ndevices: { count: -1, colour: red }\ntimeline:\n  - { at: soon, approve: { rollout: A, principal: "bad principal" } }\n`,
    );
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^devices\.count: /),
        expect.stringMatching(/^devices: .*colour/),
        expect.stringMatching(/^timeline\[0\]/),
      ]),
    );
  });

  it('rejects outcome shares over 1 and unknown rollout refs', () => {
    expect(issuesOf(minimal('cohorts:\n  - { name: c, outcomes: { fail: 0.8, reject: 0.5 } }\n'))[0]).toMatch(
      /^cohorts\[0\]\.outcomes: fail \+ reject/,
    );
    const text = `name: t\ntimeline:\n  - { at: 1m, approve: { rollout: X, principal: bob } }\n`;
    expect(issuesOf(text)[0]).toMatch(/timeline\[0\]: rollout "X" is not started/);
  });

  it('reports YAML syntax errors as scenario errors', () => {
    expect(issuesOf('name: [unclosed')[0]).toMatch(/^\(yaml\)/);
  });

  it('parses durations', () => {
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration(90)).toBe(90_000);
    expect(parseDuration('soon')).toBeUndefined();
  });
});

describe('seeded fleet', () => {
  const scenario = parseScenario(
    minimal(
      'cohorts:\n  - { name: bad, match: { model: [b] }, rollouts: [fw], outcomes: { fail: 0.3 } }\n  - { name: rest, outcomes: { succeed: 0.9, neverAnswer: 0.1 } }\n',
    ).replace('devices: { count: 50 }', 'devices: { count: 400, attributes: { model: { a: 1, b: 1 } } }'),
  );

  it('generates the same devices for the same seed, and others for another', () => {
    expect(generateDevices(scenario)).toEqual(generateDevices(scenario));
    expect(generateDevices({ ...scenario, seed: 6 })).not.toEqual(generateDevices(scenario));
  });

  it('draws the same outcome for an execution whatever the order of draws', () => {
    const devices = generateDevices(scenario);
    const job = { jobId: 'fw-1-s0', rollout: 'fw', executionNumber: 1 };
    const forward = devices.map((d) => drawExecution(scenario.cohorts, d, job, scenario.seed));
    const backward = [...devices]
      .reverse()
      .map((d) => drawExecution(scenario.cohorts, d, job, scenario.seed));
    expect(backward.reverse()).toEqual(forward);
  });

  it('gives the bad cohort its failure rate only for its rollout', () => {
    const devices = generateDevices(scenario).filter((d) => d.attributes.model === 'b');
    const rate = (rollout: string) =>
      devices.filter(
        (d) =>
          drawExecution(scenario.cohorts, d, { jobId: `${rollout}-s0`, rollout, executionNumber: 1 }, 5)
            .outcome === 'FAILED',
      ).length / devices.length;
    expect(rate('fw')).toBeGreaterThan(0.2);
    expect(rate('fw')).toBeLessThan(0.4);
    expect(rate('other')).toBe(0);
    expect(cohortOf(scenario.cohorts, devices[0] as never, 'other', 5).name).toBe('rest');
  });
});
