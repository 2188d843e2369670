import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const { literalSchemaKeys, SCHEMA_FILE } = require('../../scripts/sdk-schema-keys.cjs') as {
  literalSchemaKeys: (text: string) => { contents: string; replaced: number };
  SCHEMA_FILE: RegExp;
};

/** The module's exports, bundled with esbuild and evaluated, optionally through the rewrite. */
async function load(file: string, rewrite: boolean): Promise<Record<string, unknown>> {
  const out = await build({
    entryPoints: [file],
    bundle: true,
    write: false,
    format: 'cjs',
    platform: 'node',
    logLevel: 'silent',
    plugins: rewrite
      ? [
          {
            name: 'rewrite',
            setup(b) {
              b.onLoad({ filter: SCHEMA_FILE }, (args) => ({
                contents: literalSchemaKeys(readFileSync(args.path, 'utf8')).contents,
                loader: 'js',
              }));
            },
          },
        ]
      : [],
  });
  const mod = { exports: {} as Record<string, unknown> };
  new Function('module', 'exports', 'require', out.outputFiles[0]?.text ?? '')(mod, mod.exports, require);
  return mod.exports;
}

const comparable = (value: unknown) =>
  JSON.parse(JSON.stringify(value, (_k, v) => (typeof v === 'function' ? `fn:${v.name}` : v)));

describe('sdk-schema-literal-keys esbuild plugin', () => {
  it('rewrites the computed keys of the SDK schema files and builds identical schemas', async () => {
    for (const client of ['client-iot', 'client-dynamodb', 'client-sfn']) {
      const file = path.join(
        path.dirname(require.resolve(`@aws-sdk/${client}/package.json`)),
        'dist-es/schemas/schemas_0.js',
      );
      expect(SCHEMA_FILE.test(file), file).toBe(true);
      // A layout change in a future SDK would silently stop the saving: fail here instead.
      expect(literalSchemaKeys(readFileSync(file, 'utf8')).replaced, client).toBeGreaterThan(10);
      const [plain, rewritten] = await Promise.all([load(file, false), load(file, true)]);
      expect(Object.keys(rewritten).length).toBeGreaterThan(20);
      // Error classes come from two separate bundles: compare them by name.
      expect(comparable(rewritten)).toEqual(comparable(plain));
    }
  });

  it('leaves keys that are not string constants alone', () => {
    const text = 'const _a = "A";\nlet _b = f();\nexport const s = { [_a]: 1, [_b]: 2 };\n';
    expect(literalSchemaKeys(text)).toEqual({
      contents: 'const _a = "A";\nlet _b = f();\nexport const s = { "A": 1, [_b]: 2 };\n',
      replaced: 1,
    });
  });
});
