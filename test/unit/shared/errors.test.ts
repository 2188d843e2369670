import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { redeliveryDelaySeconds } from '../../../shared/domain/retry-backoff';
import { InvalidInputError, ThingBusyError } from '../../../shared/errors';

const ERROR_MODULES = ['shared/errors', 'shared/domain/rollout/errors', 'shared/domain/gate/errors'];

describe('errors', () => {
  it('carry their class name as a stable name, the contract with logs and Step Functions Catch', () => {
    expect(new InvalidInputError('x').name).toBe('InvalidInputError');
    expect(new ThingBusyError('x').name).toBe('ThingBusyError');
    expect(new ThingBusyError('x').retryable).toBe(true);
    expect(new InvalidInputError('x').retryable).toBe(false);
  });

  it('keep those names when minified without keepNames, as the function bundles are', async () => {
    const { outputFiles } = await build({
      stdin: {
        contents: ERROR_MODULES.map((m) => `export * from './${m}';`).join('\n'),
        resolveDir: process.cwd(),
        loader: 'ts',
      },
      bundle: true,
      minify: true,
      format: 'cjs',
      platform: 'node',
      write: false,
    });
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'errors-')), 'errors.cjs');
    writeFileSync(file, outputFiles[0]?.text ?? '');
    const exported = Object.entries(createRequire(import.meta.url)(file) as Record<string, unknown>);
    const classes = exported.filter(([name]) => name.endsWith('Error') && name !== 'AppError');
    expect(classes.length).toBeGreaterThanOrEqual(13);
    for (const [name, ErrorClass] of classes) {
      expect(new (ErrorClass as new (arg: never) => Error)([] as never).name).toBe(name);
    }
  });
});

describe('redeliveryDelaySeconds()', () => {
  it('doubles from 10 s per receive and caps at 5 minutes', () => {
    expect([1, 2, 3, 4, 5, 6, 10].map((n) => redeliveryDelaySeconds(n))).toEqual([
      10, 20, 40, 80, 160, 300, 300,
    ]);
    expect(redeliveryDelaySeconds(0)).toBe(10);
  });
});
