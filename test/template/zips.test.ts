import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { extractZip } from '../../local/runtime/unzip';
import { functionSpecs } from '../../local/runtime/wiring';
import { loadPackagedTemplate, resourcesOfType } from '../../local/template';

// The function zips `sls package` wrote (npm test packages first), after scripts/rezip-plugin.cjs.
const template = loadPackagedTemplate();
const specs = functionSpecs(template, (v) => v, '.serverless');
const files = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => statSync(path.join(dir, f)).isFile());

describe('function zips', () => {
  it('are the ones the template hashes (recompressed before the framework computes CodeSha256)', () => {
    const versions = resourcesOfType(template, 'AWS::Lambda::Version');
    expect(versions).toHaveLength(specs.length);
    for (const [, version] of versions) {
      const props = version.Properties as { FunctionName: { Ref: string }; CodeSha256: string };
      const spec = specs.find((s) => s.logicalId === props.FunctionName.Ref);
      if (!spec) throw new Error(`no function ${props.FunctionName.Ref}`);
      const sha = createHash('sha256').update(readFileSync(spec.zip)).digest('base64');
      expect(props.CodeSha256, spec.logicalId).toBe(sha);
    }
  });

  it('hold one bundle each, compressed at zlib level 9', async () => {
    for (const spec of specs) {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'zip-'));
      await extractZip(spec.zip, dir);
      const [bundle, ...others] = files(dir);
      expect(others, spec.logicalId).toEqual([]);
      const level9 = deflateRawSync(readFileSync(path.join(dir, bundle ?? '')), { level: 9 }).length;
      // The zip adds headers (~100 bytes) to the deflated bundle; level 1 would add ~12 %.
      expect(statSync(spec.zip).size, spec.logicalId).toBeLessThan(level9 + 1024);
    }
  });
});
