import { mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../support/cli-process.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'batchwatch-cli-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
  await rm(`${dir}-a.json`, { force: true });
});

describe('batchwatch watch (the real program)', () => {
  it('prints each batch as one JSON line and, on SIGINT, drains, summarises and exits 0', async () => {
    const cli = runCli(['watch', dir, '--interval', '50', '--format', 'json']);
    await cli.waitForStderr('file ready');
    // Written beside the watched directory, then moved in: one change (a create) even on a loaded
    // machine, where the write may come late enough after the open to be a second event.
    await writeFile(`${dir}-a.json`, '{}');
    await rename(`${dir}-a.json`, join(dir, 'a.json'));
    const line = await cli.waitForLine((text) => text.includes('a.json'));
    const parsed = JSON.parse(line) as {
      batch: number;
      events: { actorName: string; action: number; type: string }[];
    };
    expect(parsed.batch).toBe(1);
    expect(parsed.events).toContainEqual(
      expect.objectContaining({ type: 'file', actorName: 'a.json', action: 2 }),
    );
    cli.child.kill('SIGINT');
    expect(await cli.exit).toBe(0);
    expect(cli.stderr()).toMatch(/1 event\(s\) received, 1 in 1 batch\(es\) \(file created: 1\)/);
  });

  it('watches the current directory when no source is named, and prints text batches', async () => {
    const cli = runCli(['--interval', '50'], { cwd: dir });
    await cli.waitForStderr('file ready');
    await writeFile(join(dir, 'b.txt'), '');
    await cli.waitForLine((text) => text === '  created b.txt');
    expect(cli.stdoutLines()[0]).toMatch(/^batch 1 · 1 event · \d\d:\d\d:\d\d$/);
    cli.child.kill('SIGTERM');
    expect(await cli.exit).toBe(0);
  });

  it('exits 2 with one line naming a bad flag', async () => {
    const cli = runCli(['watch', dir, '--bogus']);
    expect(await cli.exit).toBe(2);
    expect(cli.stderr().trim().split('\n')).toEqual([
      'batchwatch: unknown flag --bogus. See batchwatch --help.',
    ]);
  });

  it.each([
    [['--interval', '0'], '--interval'],
    [['--format', 'xml'], '--format'],
    [['--jfs-path', '/x'], '--jfs'],
    [['--jfs', 'localhost:5079'], '--jfs-path'],
  ])('exits 2 for %j, naming %s', async (args, flag) => {
    const cli = runCli(['watch', dir, ...args]);
    expect(await cli.exit).toBe(2);
    const lines = cli.stderr().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(flag);
  });

  it('exits 2 naming a path that does not exist', async () => {
    const missing = join(dir, 'nope');
    const cli = runCli(['watch', missing]);
    expect(await cli.exit).toBe(2);
    expect(cli.stderr()).toBe(`batchwatch: no such file or directory: ${missing}\n`);
  });

  it('prints help and the version', async () => {
    const help = runCli(['--help']);
    expect(await help.exit).toBe(0);
    expect(help.stdoutLines().join('\n')).toContain('--docker [URL]');
    const version = runCli(['--version']);
    expect(await version.exit).toBe(0);
    const pkg = JSON.parse(
      await readFile(new URL('../../../package.json', import.meta.url), 'utf8'),
    ) as {
      version: string;
    };
    expect(version.stdoutLines()).toEqual([pkg.version]);
  });
});
