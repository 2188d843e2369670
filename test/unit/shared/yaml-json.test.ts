import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const { yamlToJson }: typeof import('../../../scripts/yaml-json.cjs') = createRequire(import.meta.url)(
  '../../../scripts/yaml-json.cjs',
);

// The bundles carry config/*.yml as the JSON this makes (scripts/esbuild-plugins.cjs).
describe('yamlToJson()', () => {
  it('turns each shipped config file into the data YAML describes', () => {
    for (const file of ['config/grouping-rules.yml', 'config/tunnel-policy.yml']) {
      const text = readFileSync(file, 'utf8');
      expect(JSON.parse(yamlToJson(text, file))).toEqual(parse(text));
    }
  });

  it('fails the build on a YAML error or a value JSON cannot carry, naming the file', () => {
    expect(() => yamlToJson('rules: [', 'a.yml')).toThrow(/^a\.yml: not valid YAML/);
    expect(() => yamlToJson('a: 1\na: 2', 'b.yml')).toThrow(/^b\.yml: not valid YAML/);
    expect(() => yamlToJson('limit: .inf', 'c.yml')).toThrow(/^c\.yml: limit: Infinity is not JSON/);
  });
});
