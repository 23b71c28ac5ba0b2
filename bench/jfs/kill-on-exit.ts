// Makes a bench leave nothing behind on any path: a child it started (redis-server, daemon, proxy)
// is killed and its temp dirs removed when the bench ends normally, throws, is interrupted
// (SIGINT, SIGTERM, SIGHUP) or exits early (`process.exit` after a timeout). The ordinary path
// still stops its children gracefully first; this is the net under it.
import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';

/** What {@link killOnExit} cleans up. */
export interface ExitGuard {
  /** A process to SIGKILL if it still runs when the bench ends. */
  pid(pid: number): void;
  /** A child process to SIGKILL if it still runs when the bench ends. */
  child(child: ChildProcess): void;
  /** A directory to remove when the bench ends. */
  dir(path: string): void;
  /** The bench stopped everything itself: forget the processes, remove the dirs. */
  done(): void;
}

/** Installs the exit hooks once; returns where to register what must not outlive the bench. */
export function killOnExit(): ExitGuard {
  const pids = new Set<number>();
  const dirs = new Set<string>();
  const cleanup = (): void => {
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Gone already.
      }
    }
    pids.clear();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    dirs.clear();
  };
  process.once('exit', cleanup);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      console.error(`\n${signal}: stopping every child of the bench`);
      cleanup();
      process.exit(130);
    });
  }
  process.once('uncaughtException', (err) => {
    console.error(err);
    cleanup();
    process.exit(1);
  });
  process.once('unhandledRejection', (err) => {
    console.error(err);
    cleanup();
    process.exit(1);
  });
  return {
    pid: (pid) => pids.add(pid),
    child(child) {
      const pid = child.pid;
      if (pid === undefined) return;
      pids.add(pid);
      child.once('exit', () => pids.delete(pid));
    },
    dir: (path) => dirs.add(path),
    done() {
      pids.clear();
      cleanup();
    },
  };
}
