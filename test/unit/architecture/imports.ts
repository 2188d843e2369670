import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/** One import in a source file: what it names and, for a relative one, the repo path it resolves to. */
export type Import = { from: string; specifier: string; target?: string; typeOnly: boolean };

export const ROOT = resolve(import.meta.dirname, '../../..');

/** Every .ts file under the given repo folders (repo-relative, forward slashes). */
export function sourceFiles(...folders: string[]): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
      const path = `${dir}/${e.name}`;
      if (e.isDirectory()) return e.name === 'node_modules' ? [] : walk(path);
      return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [path] : [];
    });
  return folders.flatMap(walk);
}

// Static imports and re-exports (biome keeps them one statement each) and dynamic import('…').
const STATIC = /^\s*(import|export)\s+(type\s+)?(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]/gm;
const DYNAMIC = /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

export function importsOf(file: string, text = readFileSync(join(ROOT, file), 'utf8')): Import[] {
  const found: Import[] = [];
  const add = (specifier: string, typeOnly: boolean) => {
    const target = specifier.startsWith('.')
      ? relative(ROOT, resolve(ROOT, dirname(file), specifier)).replaceAll('\\', '/')
      : undefined;
    found.push({ from: file, specifier, target, typeOnly });
  };
  for (const m of text.matchAll(STATIC)) add(m[3] ?? '', Boolean(m[2]));
  for (const m of text.matchAll(DYNAMIC)) add(m[1] ?? '', false);
  return found;
}

/** The package an import names (`@scope/name` or `name`), or undefined for a relative one. */
export function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith('.')) return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** Is `target` (a resolved repo path, no extension) inside `area` (a folder or a file without .ts)? */
export function within(target: string, area: string): boolean {
  const bare = area.replace(/\.ts$/, '');
  return target === bare || target.startsWith(`${bare}/`);
}
