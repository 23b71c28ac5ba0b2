import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { vi } from 'vitest';

const main = fileURLToPath(new URL('../../lib/cli/bin.ts', import.meta.url));

/** The real `batchwatch` program running as a child process, with its output collected. */
export interface CliProcess {
  readonly child: ChildProcess;
  /** stdout so far, split into lines. */
  stdoutLines(): string[];
  stderr(): string;
  /** Waits until a stdout line matches. */
  waitForLine(match: (line: string) => boolean, timeout?: number): Promise<string>;
  /** Waits until stderr contains `text`. */
  waitForStderr(text: string, timeout?: number): Promise<void>;
  /** Resolves with the exit code (or the signal name). */
  readonly exit: Promise<number | string>;
}

/**
 * Starts `node lib/cli/bin.ts ...args` with this process's Node (24). With
 * `permissionsApply`, file permissions apply to the program even when the
 * tests run as root: it stays root (so it can still read the checkout, which
 * may lie in a 0700 temp dir) but loses the capabilities that bypass them.
 */
export function runCli(
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; permissionsApply?: boolean } = {},
): CliProcess {
  const program = [process.execPath, main, ...args];
  const command =
    options.permissionsApply === true && process.getuid?.() === 0
      ? ['setpriv', '--bounding-set=-dac_override,-dac_read_search', ...program]
      : program;
  const child = spawn(command[0] as string, command.slice(1), {
    cwd: options.cwd ?? process.cwd(),
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    err += chunk;
  });
  const exit = new Promise<number | string>((resolve) => {
    child.on('close', (code, signal) => resolve(code ?? signal ?? 'unknown'));
    // A program that cannot be started: its error as the result, not an uncaught exception.
    child.on('error', (error) => {
      err += `spawn failed: ${error.message}`;
      resolve('spawn-error');
    });
  });
  const stdoutLines = (): string[] => out.split('\n').filter((line) => line !== '');
  return {
    child,
    stdoutLines,
    stderr: () => err,
    exit,
    waitForLine: (match, timeout = 15_000) =>
      vi.waitFor(
        () => {
          const line = stdoutLines().find(match);
          if (line === undefined)
            throw new Error(`no matching line yet; stdout:\n${out}\nstderr:\n${err}`);
          return line;
        },
        { timeout, interval: 20 },
      ),
    waitForStderr: (text, timeout = 15_000) =>
      vi.waitFor(
        () => {
          if (!err.includes(text)) throw new Error(`stderr has no "${text}" yet:\n${err}`);
        },
        { timeout, interval: 20 },
      ),
  };
}

/** Kills the program if it still runs (SIGKILL) and waits for it to end. */
export async function stopCli(cli: CliProcess): Promise<void> {
  if (cli.child.exitCode === null && cli.child.signalCode === null) cli.child.kill('SIGKILL');
  await cli.exit;
}
