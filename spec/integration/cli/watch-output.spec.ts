import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanupAfterEach } from '../../support/cleanups.ts';
import { type CliProcess, runCli, stopCli } from '../../support/cli-process.ts';

const cleanup = cleanupAfterEach();
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'batchwatch-out-'));
  cleanup(() => rm(dir, { recursive: true, force: true }));
});

function start(args: readonly string[], cwd = dir): CliProcess {
  const cli = runCli(args, { cwd });
  cleanup(() => stopCli(cli));
  return cli;
}

/** The names in every text batch printed so far. */
const reported = (cli: CliProcess): string[] =>
  cli.stdoutLines().filter((line) => line.startsWith('  '));

describe('batchwatch watch: what it watches and how it says so (the real program)', () => {
  it('prints a plain ready line off a terminal, counting what it watches', async () => {
    await mkdir(join(dir, 'a', 'b'), { recursive: true });
    await writeFile(join(dir, 'a', 'one'), '');
    await writeFile(join(dir, 'a', 'b', 'two'), '');
    await writeFile(join(dir, 'three'), '');
    const cli = start(['watch', '.']);
    await cli.waitForStderr('ready: watching');
    expect(cli.stderr()).toMatch(
      /^batchwatch: ready: watching 3 directories \(3 files\) in \d+\.\d s$/m,
    );
  });

  it('counts single files as files', async () => {
    await writeFile(join(dir, 'config.yml'), '');
    const cli = start(['watch', 'config.yml']);
    await cli.waitForStderr('ready: watching');
    expect(cli.stderr()).toMatch(/^batchwatch: ready: watching 1 file in \d+\.\d s$/m);
  });

  it('leaves out .git and node_modules by default, and what --ignore GLOB matches', async () => {
    await mkdir(join(dir, '.git'));
    await mkdir(join(dir, 'node_modules', 'dep'), { recursive: true });
    await mkdir(join(dir, 'build'));
    const cli = start(['watch', '--interval', '30', '--ignore', '*.log', '--ignore', 'build']);
    await cli.waitForStderr('ready: watching');
    await writeFile(join(dir, '.git', 'index.lock'), '');
    await writeFile(join(dir, 'node_modules', 'dep', 'index.js'), '');
    await writeFile(join(dir, 'server.log'), '');
    await writeFile(join(dir, 'build', 'out.js'), '');
    // Written last: once it is reported, whatever the others would have caused has been too.
    await writeFile(join(dir, 'kept.txt'), '');
    await cli.waitForLine((line) => line === '  created kept.txt');
    expect(reported(cli)).toEqual(['  created kept.txt']);
  });

  it('watches a path given inside an ignored directory, still leaving out what is ignored under it', async () => {
    // The ignore rules are the file source's own matcher: they judge what is under each root.
    await mkdir(join(dir, 'node_modules', 'pkg', 'node_modules'), { recursive: true });
    await mkdir(join(dir, 'node_modules', 'pkg', 'lib', 'build'), { recursive: true });
    const cli = start([
      'watch',
      '--interval',
      '30',
      '--ignore',
      'node_modules/pkg/lib/build',
      'node_modules/pkg',
    ]);
    await cli.waitForStderr('ready: watching');
    expect(cli.stderr()).toMatch(/ready: watching 2 directories/);
    await writeFile(join(dir, 'node_modules', 'pkg', 'node_modules', 'dep.js'), '');
    await writeFile(join(dir, 'node_modules', 'pkg', 'lib', 'build', 'out.js'), '');
    await writeFile(join(dir, 'node_modules', 'pkg', 'index.js'), '');
    await cli.waitForLine((line) => line.includes('index.js'));
    expect(reported(cli)).toEqual(['  created index.js']);
  });

  it('watches .git and node_modules with --no-default-ignores', async () => {
    await mkdir(join(dir, 'node_modules'));
    const cli = start(['watch', '--interval', '30', '--no-default-ignores']);
    await cli.waitForStderr('ready: watching');
    await writeFile(join(dir, 'node_modules', 'x.js'), '');
    await cli.waitForLine((line) => line === '  created node_modules/x.js');
  });

  it('shows a rename as "renamed old -> new", and JSON events name their action', async () => {
    await writeFile(join(dir, 'old.txt'), 'x');
    const text = start(['watch', '--interval', '30']);
    await text.waitForStderr('ready: watching');
    await rename(join(dir, 'old.txt'), join(dir, 'new.txt'));
    await text.waitForLine((line) => line === '  renamed old.txt -> new.txt');

    const json = start(['watch', '--interval', '30', '--format', 'json']);
    await json.waitForStderr('ready: watching');
    await writeFile(join(dir, 'made.txt'), '');
    const line = await json.waitForLine((row) => row.includes('made.txt'));
    expect(line).toContain('"action":2,"actionName":"created"');
  });

  it('--help names the default ignores, the JFS identity flag and its environment variables', async () => {
    const help = start(['--help']);
    expect(await help.exit).toBe(0);
    const text = help.stdoutLines().join('\n');
    expect(text).toContain('--ignore GLOB');
    expect(text).toMatch(
      /--no-default-ignores\s+also watch \.git and node_modules, which are left out by\s+default/,
    );
    expect(text).toMatch(/--jfs-pod NS\/POD\/C[\s\S]*\$NAMESPACE\/\$POD_NAME\/\$CONTAINER_NAME/);
    expect(text).toContain('--feed auto|stream|pubsub');
    for (const line of help.stdoutLines()) {
      if (/ignore|jfs-pod|NAMESPACE|--feed|HOSTNAME/.test(line))
        expect(line.length).toBeLessThanOrEqual(80);
    }
  });

  it('asks "did you mean" for a mistyped subcommand', async () => {
    const cli = start(['deamon']);
    expect(await cli.exit).toBe(2);
    expect(cli.stderr()).toBe(
      'batchwatch: no command or path "deamon": did you mean "batchwatch daemon"? (see batchwatch --help)\n',
    );
  });

  it('on SIGHUP, flushes what is pending, summarises and exits 0, as on SIGTERM', async () => {
    const cli = start(['watch', '--interval', '60000', '--metrics', '0']);
    await cli.waitForStderr('ready: watching');
    const url = /metrics on (http:\/\/\S+\/metrics)/.exec(cli.stderr())?.[1] as string;
    await writeFile(join(dir, 'pending.txt'), '');
    // Received (and far from its flush, 60 s away) before the signal.
    await vi.waitFor(
      async () => {
        const text = await (await fetch(url)).text();
        expect(text).toMatch(/^batchwatch_queue_events_received_total\{type="file"\} 1$/m);
      },
      { timeout: 15_000, interval: 50 },
    );
    cli.child.kill('SIGHUP');
    expect(await cli.exit).toBe(0);
    expect(reported(cli)).toEqual(['  created pending.txt']);
    expect(cli.stderr()).toContain('SIGHUP: flushing and stopping');
    expect(cli.stderr()).toMatch(/1 event\(s\) received, 1 in 1 batch\(es\)/);
  });
});
