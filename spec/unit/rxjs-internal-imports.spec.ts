// lib/ takes each rxjs function from its own module (`rxjs/internal/*`): the root entry loads 43 of
// rxjs's modules instead of 223. Those paths are not rxjs's public API, so rxjs is pinned to
// ~7.8 in package.json, and this spec fails the day an upgrade moves or renames one of them, or
// makes it a different object from the one the public `rxjs` index gives (Observable identity
// shared with the user's code).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const lib = fileURLToPath(new URL('../../lib/', import.meta.url));

/** Every value name lib/ imports from each `rxjs/internal/*` path (type-only imports aside). */
function internalImports(): Map<string, Set<string>> {
  const found = new Map<string, Set<string>>();
  const files = readdirSync(lib, { recursive: true, encoding: 'utf8' }).filter((file) =>
    file.endsWith('.ts'),
  );
  const pattern = /import\s+(type\s+)?\{([^}]*)\}\s+from\s+'(rxjs\/internal\/[^']+)'/g;
  for (const file of files) {
    for (const match of readFileSync(join(lib, file), 'utf8').matchAll(pattern)) {
      if (match[1] !== undefined) continue;
      const names = found.get(match[3] as string) ?? new Set<string>();
      for (const part of (match[2] as string).split(',')) {
        const name = part.trim();
        if (name === '' || name.startsWith('type ')) continue;
        names.add(name.split(/\s+as\s+/)[0] as string);
      }
      found.set(match[3] as string, names);
    }
  }
  return found;
}

describe('rxjs/internal imports of lib/', () => {
  const imports = internalImports();

  it('are found (the scan itself works)', () => {
    expect(imports.get('rxjs/internal/Observable')).toEqual(new Set(['Observable']));
    expect(imports.size).toBeGreaterThanOrEqual(10);
  });

  it.each([...imports])('%s resolves and exports what lib/ takes from it', async (path, names) => {
    const internal = (await import(path)) as Record<string, unknown>;
    const index = (await import('rxjs')) as Record<string, unknown>;
    for (const name of names) {
      expect(internal[name], `${name} from ${path}`).toBeDefined();
      // The very object the public index exports: the user's Observables are ours.
      if (name in index) expect(internal[name], `${name} from ${path}`).toBe(index[name]);
    }
  });

  it('come with rxjs pinned to a patch range of the version they were written against', () => {
    const manifest = JSON.parse(
      readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
    ) as { dependencies: Record<string, string> };
    expect(manifest.dependencies['rxjs']).toMatch(/^~7\.8\.\d+$/);
  });
});
