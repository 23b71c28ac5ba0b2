// The real program watching a real git work tree while git checks out a branch that differs in
// 10,000 files. Today's fixed window cuts the checkout into several batches, the first delivered
// while git is still writing; `--hold-while .git/index.lock --settle 200` delivers exactly one
// batch, after git exited, holding every changed path.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { cleanupAfterEach } from '../../support/cleanups.ts';
import { type CliProcess, runCli, stopCli } from '../../support/cli-process.ts';

const DIRS = 100;
const PER_DIR = 100; // 10,000 files
const changed = Array.from({ length: DIRS * PER_DIR }, (_, i) => {
  return `d${Math.floor(i / PER_DIR)}/f${i % PER_DIR}.txt`;
});
// git alone: no global or system configuration, no hooks, nothing read outside the temp repo.
const gitEnv = {
  ...process.env,
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_TERMINAL_PROMPT: '0',
};

function git(cwd: string, args: readonly string[], input?: string): string {
  return execFileSync('git', args, {
    cwd,
    env: gitEnv,
    encoding: 'utf8',
    input: input ?? '',
    maxBuffer: 64 * 1024 * 1024,
  });
}

/** Two unrelated commits, `main` and `other`, with the same 10,000 paths and different contents. */
function importBranches(repo: string): void {
  const parts: string[] = [];
  for (const branch of ['main', 'other']) {
    parts.push(
      `commit refs/heads/${branch}\ncommitter t <t@example.invalid> 1700000000 +0000\ndata 0\n`,
    );
    for (const path of changed) {
      const content = `${branch} ${path}\n`;
      parts.push(`M 100644 inline ${path}\ndata ${Buffer.byteLength(content)}\n${content}\n`);
    }
  }
  git(repo, ['fast-import', '--quiet'], parts.join(''));
}

interface Batch {
  readonly batch: number;
  readonly events: readonly { actorName: string; oldName?: string }[];
}

/** The paths a batch names (old names of renames included). */
function pathsOf(batch: Batch): Set<string> {
  const paths = new Set<string>();
  for (const event of batch.events) {
    paths.add(event.actorName);
    if (event.oldName !== undefined) paths.add(event.oldName);
  }
  return paths;
}

let dir: string;
let repo: string;
const cleanup = cleanupAfterEach();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'batchwatch-git-'));
  repo = join(dir, 'repo');
  git(dir, ['init', '-q', '-b', 'main', repo]);
  importBranches(repo);
  git(repo, ['reset', '-q', '--hard', 'main']);
}, 600_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/**
 * Runs `git checkout` to the other branch while `cli` watches, then waits until every changed
 * path was printed and a barrier file's batch came after them. Returns the batches before the
 * barrier, the barrier's, and how many had been printed when git exited.
 */
async function checkout(
  cli: CliProcess,
): Promise<{ batches: Batch[]; barrierBatch: Batch; printedAtExit: number }> {
  const head = git(repo, ['rev-parse', '--abbrev-ref', 'HEAD']).trim();
  const target = head === 'main' ? 'other' : 'main';
  const child = spawn('git', ['checkout', '-q', target], { cwd: repo, env: gitEnv });
  let gitErr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    gitErr += chunk;
  });
  // Counted when git's exit reaches us: the batches printed while it ran (or at its very end).
  const { code, printedAtExit } = await new Promise<{ code: number | null; printedAtExit: number }>(
    (resolve) => {
      child.on('exit', (code) => resolve({ code, printedAtExit: cli.stdoutLines().length }));
    },
  );
  expect({ code, gitErr }).toEqual({ code: 0, gitErr: '' });
  const seen = new Set<string>();
  await vi.waitFor(
    () => {
      for (const line of cli.stdoutLines())
        for (const path of pathsOf(JSON.parse(line))) seen.add(path);
      const missing = changed.filter((path) => !seen.has(path));
      if (missing.length > 0) throw new Error(`${missing.length} changed path(s) not printed yet`);
    },
    { timeout: 240_000, interval: 200 },
  );
  // The barrier: one more change, and its batch. Whatever the checkout caused was printed before.
  const barrier = `barrier-${target}`;
  await writeFile(join(repo, barrier), '');
  await cli.waitForLine((line) => line.includes(`"${barrier}"`), 60_000);
  const lines = cli.stdoutLines().map((line) => JSON.parse(line) as Batch);
  const barrierAt = lines.findIndex((batch) => pathsOf(batch).has(barrier));
  return {
    batches: lines.slice(0, barrierAt),
    barrierBatch: lines[barrierAt] as Batch,
    printedAtExit,
  };
}

function watch(args: readonly string[]): Promise<CliProcess> {
  const cli = runCli(['watch', repo, '--format', 'json', ...args]);
  cleanup(() => stopCli(cli));
  return cli.waitForStderr('file ready', 120_000).then(() => cli);
}

describe('batchwatch watch over a git checkout of 10,000 files', () => {
  it('today (a fixed 300 ms window): several batches, the first while git is still writing', async () => {
    const cli = await watch([]);
    const { batches, printedAtExit } = await checkout(cli);
    expect(batches.length).toBeGreaterThan(1);
    expect(printedAtExit).toBeGreaterThan(0);
    // A reloader reading the tree after the first batch reads a half-checked-out tree.
    const first = pathsOf(batches[0] as Batch);
    expect(changed.filter((path) => first.has(path)).length).toBeLessThan(changed.length);
  }, 600_000);

  it('--hold-while .git/index.lock --settle 200: exactly one batch, after git exited, with every changed path', async () => {
    // --max-hold only so that a very loaded machine (a checkout of minutes) cannot fail the test.
    const cli = await watch([
      '--hold-while',
      '.git/index.lock',
      '--settle',
      '200',
      '--max-hold',
      '600000',
    ]);
    const { batches, barrierBatch, printedAtExit } = await checkout(cli);
    expect(printedAtExit).toBe(0);
    expect(batches).toHaveLength(1);
    // Nothing of the checkout straggled behind the one batch.
    expect([...pathsOf(barrierBatch)]).toEqual([barrierBatch.events[0]?.actorName]);
    const paths = pathsOf(batches[0] as Batch);
    expect(changed.filter((path) => !paths.has(path))).toEqual([]);
    // The lock itself came and went inside the batch: the hold spanned git's whole write.
    expect(paths.has('.git/index.lock')).toBe(true);
    cli.child.kill('SIGINT');
    expect(await cli.exit).toBe(0);
    expect(cli.stderr()).not.toContain('warning');
  }, 600_000);
});
