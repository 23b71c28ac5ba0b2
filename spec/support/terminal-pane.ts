import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { vi } from 'vitest';

const run = promisify(execFile);
const main = fileURLToPath(new URL('../../lib/cli/bin.ts', import.meta.url));

/** The real `batchwatch` program on a real pseudo-terminal: a detached tmux pane of its own. */
export interface TerminalPane {
  /** What the pane shows now, one string per row, trailing blanks cut. */
  screen(): Promise<string[]>;
  /** Waits until the screen satisfies `check` (which throws until it does); returns that screen. */
  waitForScreen(check: (rows: string[]) => void, timeout?: number): Promise<string[]>;
  /** Sends a signal to the program. */
  kill(signal: NodeJS.Signals): Promise<void>;
  /** Ends the pane's tmux server (and the program). Idempotent. */
  close(): Promise<void>;
}

/**
 * Starts `node lib/cli/bin.ts ...args` in a `columns` x `rows` tmux pane, on a tmux server of its
 * own (a private socket in a temp dir), so that nothing touches the user's tmux sessions. The pane
 * stays on screen after the program ends.
 */
export async function startInPane(
  args: readonly string[],
  options: { cwd: string; columns?: number; rows?: number; env?: Record<string, string> },
): Promise<TerminalPane> {
  const dir = await mkdtemp(join(tmpdir(), 'batchwatch-pane-'));
  const socket = join(dir, 'tmux.sock');
  const tmux = (...rest: string[]) => run('tmux', ['-S', socket, '-f', '/dev/null', ...rest]);
  const env = Object.entries({ DEBUG: '', ...options.env }).flatMap(([key, value]) => [
    '-e',
    `${key}=${value}`,
  ]);
  const command = [process.execPath, main, ...args].map(shellQuote).join(' ');
  await tmux(
    'new-session',
    '-d',
    '-s',
    'batchwatch',
    '-x',
    String(options.columns ?? 80),
    '-y',
    String(options.rows ?? 24),
    '-c',
    options.cwd,
    ...env,
    // The program's pid first, so that the spec can signal it; exec: the pane runs it directly.
    `echo $$ > ${shellQuote(join(dir, 'pid'))}; exec ${command}`,
    ';',
    'set-option',
    '-t',
    'batchwatch',
    'remain-on-exit',
    'on',
  );
  let closed = false;
  const screen = async (): Promise<string[]> => {
    const { stdout } = await tmux('capture-pane', '-p', '-t', 'batchwatch');
    return stdout
      .replace(/\n$/, '')
      .split('\n')
      .map((row) => row.trimEnd());
  };
  const pid = async (): Promise<number> => {
    const { readFile } = await import('node:fs/promises');
    return Number((await readFile(join(dir, 'pid'), 'utf8')).trim());
  };
  return {
    screen,
    waitForScreen: (check, timeout = 15_000) =>
      vi.waitFor(
        async () => {
          const rows = await screen();
          try {
            check(rows);
          } catch (err) {
            throw new Error(`${(err as Error).message}\nscreen:\n${rows.join('\n')}`);
          }
          return rows;
        },
        { timeout, interval: 50 },
      ),
    kill: async (signal) => {
      process.kill(await pid(), signal);
    },
    close: async () => {
      if (closed) return;
      closed = true;
      await tmux('kill-server').catch(() => {});
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}
