// scripts/install-test-deps.sh checks every program the integration specs start, git and openssl
// included, and names the command that installs what is missing. Run with a PATH of chosen
// programs and an `id` that says "not root", so that it never installs anything.
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';

const script = new URL('../../../scripts/install-test-deps.sh', import.meta.url).pathname;
const run = promisify(execFile);
const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** A PATH holding only `programs` (linked from the machine's) and an `id` that says uid 1000. */
async function pathWith(programs: readonly string[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'bw-deps-'));
  dirs.push(dir);
  const { stdout } = await run('sh', [
    '-c',
    `for p in ${programs.join(' ')}; do command -v $p; done`,
  ]);
  for (const found of stdout.trim().split('\n')) {
    await symlink(found, join(dir, found.slice(found.lastIndexOf('/') + 1)));
  }
  await writeFile(join(dir, 'id'), '#!/bin/sh\necho 1000\n');
  await chmod(join(dir, 'id'), 0o755);
  return dir;
}

async function check(programs: readonly string[]) {
  const env = { PATH: await pathWith(programs) };
  try {
    const { stdout, stderr } = await run('/bin/sh', [script], { env });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

const tools = ['docker', 'redis-server', 'tmux', 'dpkg-query', 'grep'];

describe('scripts/install-test-deps.sh', () => {
  it('says what is missing, git and openssl included, and the command that installs it', async () => {
    const result = await check(tools);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^install-test-deps: missing:.* git openssl/m);
    expect(result.stderr).toContain(
      'run as root: apt-get update && apt-get install -y docker.io busybox-static redis-server tmux git openssl',
    );
  });

  it('passes when everything is there', async () => {
    const result = await check([...tools, 'git', 'openssl']);
    expect(result, result.stderr).toMatchObject({ code: 0 });
    expect(result.stdout).toContain('tmux, git and openssl are installed');
  });
});
