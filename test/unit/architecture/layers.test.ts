import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Import, importsOf, packageOf, ROOT, sourceFiles, within } from './imports';

// The layering ARCHITECTURE.md describes, checked over every import so it cannot drift.

/** Repo areas a layer's relative imports may reach. */
const PURE = ['shared/domain', 'shared/zod', 'shared/errors', 'shared/audit'];
const RULES: { layer: string; may: string[]; typesFrom?: string[]; packages: string[] }[] = [
  {
    layer: 'shared/domain',
    may: ['shared/domain', 'shared/zod', 'shared/errors'],
    packages: ['zod', 'yaml', 'croner', 'node:crypto'],
  },
  { layer: 'shared/audit', may: PURE, packages: ['node:crypto'] },
  // Services see ports they declare, the domain, and the injected clock; never an adapter or the SDK.
  {
    layer: 'shared/services',
    may: [...PURE, 'shared/services', 'shared/clock'],
    packages: ['node:crypto', 'aws-lambda'],
  },
  // Adapters implement the services' ports, so they may import their types, never their code.
  {
    layer: 'shared/adapters',
    may: [
      ...PURE,
      'shared/adapters',
      'shared/clock',
      'shared/clients',
      'shared/observability',
      'shared/config',
    ],
    typesFrom: ['shared/services'],
    packages: ['@aws-sdk/*', '@smithy/*', 'aws-lambda', 'node:*'],
  },
  // The operator APIs' routing: requests in, a service called, one error body out. No SDK client.
  {
    layer: 'shared/http',
    may: [
      ...PURE,
      'shared/services',
      'shared/http',
      'shared/observability',
      'shared/adapters/transient-errors',
    ],
    packages: ['@aws-lambda-powertools/*', '@smithy/signature-v4', '@aws-crypto/sha256-js', 'node:*'],
  },
];

const matches = (pkg: string, allowed: string[]) =>
  allowed.some((a) =>
    a.endsWith('/*')
      ? pkg.startsWith(a.slice(0, -1))
      : a.endsWith(':*')
        ? pkg.startsWith(a.slice(0, -1))
        : pkg === a,
  );

function breaks(imp: Import, rule: (typeof RULES)[number]): boolean {
  if (imp.target) {
    if (rule.may.some((area) => within(imp.target as string, area))) return false;
    return !(imp.typeOnly && rule.typesFrom?.some((area) => within(imp.target as string, area)));
  }
  const pkg = packageOf(imp.specifier) as string;
  return !(matches(pkg, rule.packages) || (imp.typeOnly && pkg === 'aws-lambda'));
}

describe('the import reader', () => {
  it('finds static, type-only, re-exported, side-effect and dynamic imports, resolved from the file', () => {
    const text = [
      "import { a } from '../domain/x';",
      "import type { B } from './ports';",
      "export * from '../errors';",
      "import 'node:crypto';",
      'import {',
      '  c,',
      '  d,',
      "} from '@aws-sdk/client-iot';",
      "const m = await import('../adapters/y');",
    ].join('\n');
    const found = importsOf('shared/services/z.ts', text).map((i) => [i.target ?? i.specifier, i.typeOnly]);
    expect(found).toEqual([
      ['shared/domain/x', false],
      ['shared/services/ports', true],
      ['shared/errors', false],
      ['node:crypto', false],
      ['@aws-sdk/client-iot', false],
      ['shared/adapters/y', false],
    ]);
  });
});

describe('layers', () => {
  for (const rule of RULES) {
    it(`${rule.layer} imports only what its layer may`, () => {
      const bad = sourceFiles(rule.layer)
        .flatMap((file) => importsOf(file))
        .filter((imp) => breaks(imp, rule))
        .map((imp) => `${imp.from} -> ${imp.specifier}`);
      expect(bad).toEqual([]);
    });
  }

  it('shared/ never imports functions/, local/, cli/, bench/ or test/', () => {
    const bad = sourceFiles('shared')
      .flatMap((file) => importsOf(file))
      .filter(
        (imp) =>
          imp.target &&
          ['functions', 'local', 'cli', 'bench', 'test'].some((a) => within(imp.target as string, a)),
      );
    expect(bad.map((imp) => `${imp.from} -> ${imp.specifier}`)).toEqual([]);
  });

  it('local/, cli/ and bench/ use shared/ and never reach into functions/', () => {
    const bad = sourceFiles('local', 'cli', 'bench')
      .flatMap((file) => importsOf(file))
      .filter((imp) => imp.target && within(imp.target, 'functions'));
    expect(bad.map((imp) => `${imp.from} -> ${imp.specifier}`)).toEqual([]);
  });

  it('functions/ never import local/, cli/, bench/ or test/', () => {
    const bad = sourceFiles('functions')
      .flatMap((file) => importsOf(file))
      .filter(
        (imp) => imp.target && ['local', 'cli', 'bench', 'test'].some((a) => within(imp.target as string, a)),
      );
    expect(bad.map((imp) => `${imp.from} -> ${imp.specifier}`)).toEqual([]);
  });

  // One wiring style: a handler gets its adapters, SDK clients and clock from its feature's
  // functions/wiring/ file, so each feature is composed in one place.
  it('handlers reach adapters, SDK clients, the SDK and the clock only through functions/wiring/', () => {
    const handlers = sourceFiles('functions').filter((file) => !within(file, 'functions/wiring'));
    const bad = handlers
      .flatMap((file) => importsOf(file))
      .filter((imp) =>
        imp.target
          ? ['shared/adapters', 'shared/clients', 'shared/clock'].some((a) => within(imp.target as string, a))
          : packageOf(imp.specifier)?.startsWith('@aws-sdk/'),
      );
    expect(bad.map((imp) => `${imp.from} -> ${imp.specifier}`)).toEqual([]);
  });

  it('the domain and the services read neither the environment nor the clock', () => {
    const reads = /process\.env|Date\.now\(|new Date\(\)/;
    const bad = sourceFiles('shared/domain', 'shared/services', 'shared/audit').filter((file) =>
      reads.test(readFileSync(join(ROOT, file), 'utf8')),
    );
    expect(bad).toEqual([]);
  });
});
