// Starts a daemon for the tests (dockerd, redis-server): detached, its output in a log file in its
// own dir, so that it outlives the test worker that started it; resolves once it answers.
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface SpawnDaemonOptions {
  readonly binary: string;
  readonly args: readonly string[];
  /** Its dir: the log file `<logName>` goes there. */
  readonly dir: string;
  readonly logName: string;
  /** True once the daemon answers. */
  readonly ready: () => Promise<boolean>;
  readonly timeoutMs: number;
  readonly pollMs: number;
  /** Names the daemon in the error, e.g. `private redis-server on port 1234`. */
  readonly what: string;
}

/**
 * Spawns the daemon and polls `ready` until it answers.
 *
 * @throws Error with the end of its log when it exits or does not answer in time.
 * @returns its pid.
 */
export async function spawnDaemon(options: SpawnDaemonOptions): Promise<number> {
  const log = openSync(join(options.dir, options.logName), 'a');
  const child = spawn(options.binary, options.args, {
    detached: true,
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  let exited: string | null = null;
  child.once('exit', (code, signal) => {
    exited = `exited with ${signal ?? code}`;
  });
  child.once('error', (err) => {
    exited = err.message;
  });
  child.unref();
  const deadline = Date.now() + options.timeoutMs;
  while (!(await options.ready())) {
    if (exited !== null || Date.now() > deadline || child.pid === undefined) {
      const tail = (
        await readFile(join(options.dir, options.logName), 'utf8').catch(() => '')
      ).slice(-2000);
      throw new Error(`${options.what} did not answer (${exited ?? 'timeout'}):\n${tail}`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.pollMs));
  }
  return child.pid as number;
}
