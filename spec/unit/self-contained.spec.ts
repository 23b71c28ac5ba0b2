// A clone needs nothing beside it: no spec, bench, script or example names a path that leaves the
// repository (the shared/ folder development keeps beside it is not part of a user's clone).
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const outside = new RegExp(['\\.\\./', 'shared/|', 'jfs-vectors/', 'vectors\\.json'].join(''));

function* sources(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* sources(path);
    else if (/(\.(ts|js|sh|json)|^run)$/.test(entry.name)) yield path;
  }
}

describe('the repository is self-contained', () => {
  it('no spec, bench, script, example or CI file reads the shared/ folder', () => {
    const offenders: string[] = [];
    for (const folder of ['spec', 'bench', 'scripts', 'examples', '.ci']) {
      for (const file of sources(join(root, folder))) {
        if (outside.test(readFileSync(file, 'utf8'))) offenders.push(relative(root, file));
      }
    }
    expect(offenders).toEqual([]);
  });
});
