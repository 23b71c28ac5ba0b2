// The installed command on a Node older than `engines`: one line naming both versions, exit 2,
// before any module that needs a newer Node loads. Run for real under this machine's system Node
// (20 here), and under this Node with its version reported lower.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const engines = (
  JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { engines: { node: string } }
).engines.node;
const minimum = engines.replace(/^>=/, '');

/** `a` >= `b`, numerically by dotted parts. */
const atLeast = (a: string, b: string): boolean => {
  const [x, y] = [a.split('.').map(Number), b.split('.').map(Number)];
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) > (y[i] ?? 0);
  }
  return true;
};

/** The first `node` on PATH outside node_modules/.bin: the system Node a user's shell runs. */
function systemNode(): string {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (dir === '' || dir.includes(`node_modules${'/'}.bin`)) continue;
    const candidate = join(dir, 'node');
    if (existsSync(candidate)) return candidate;
  }
  throw new Error('no `node` on PATH outside node_modules/.bin');
}

const run = (node: string, args: readonly string[]) =>
  spawnSync(node, args, { cwd: root, encoding: 'utf8', timeout: 20_000 });

describe('batchwatch on an older Node', () => {
  it('engines is ">=X.Y" and the README says it in words', () => {
    expect(engines).toMatch(/^>=\d+\.\d+(\.\d+)?$/);
    expect(readFileSync(join(root, 'README.md'), 'utf8')).toContain(`Node >= ${minimum}`);
  });

  it('prints one line and exits 2 when Node reports a version below engines', () => {
    const below = `${Number(minimum.split('.')[0]) - 2}.0.0`;
    const fake = `data:text/javascript,Object.defineProperty(process.versions,"node",{value:"${below}"})`;
    const child = run(process.execPath, ['--import', fake, 'lib/cli/bin.ts', '--version']);
    expect(child.stdout).toBe('');
    expect(child.stderr).toBe(`batchwatch needs Node >=${minimum}; this is Node ${below}\n`);
    expect(child.status).toBe(2);
  });

  it('the built command under the system Node: the one line and exit 2, or the version if it is new enough', () => {
    const bin = join(root, 'dist/cli/bin.js');
    expect(existsSync(bin), `${bin} is missing: run npm run build (npm ci runs it)`).toBe(true);
    const node = systemNode();
    const version = run(node, ['--version']).stdout.trim().replace(/^v/, '');
    const child = run(node, [bin, '--version']);
    if (atLeast(version, minimum)) {
      expect(child.stderr).toBe('');
      expect(child.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
      expect(child.status).toBe(0);
    } else {
      expect(child.stderr).toBe(`batchwatch needs Node >=${minimum}; this is Node ${version}\n`);
      expect(child.stdout).toBe('');
      expect(child.status).toBe(2);
    }
  });
});
