// The benches' child processes: starting and stopping the real programs, what they use (read from
// /proc, Linux), and the one-pod mount table the proxy benches give them.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Starts a Node child in `cwd`; resolves with it, its pid and its stderr once `ready` shows there. */
export async function startChild(
  args: readonly string[],
  ready: string,
  cwd: string,
): Promise<{ child: ChildProcess; pid: number; stderr: () => string }> {
  const child = spawn(process.execPath, args, { cwd, stdio: 'pipe' });
  let stderr = '';
  await new Promise<void>((resolve, reject) => {
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (stderr.includes(ready)) resolve();
    });
    child.once('exit', (code) => reject(new Error(`exited ${code}: ${stderr}`)));
  });
  child.removeAllListeners('exit');
  return { child, pid: child.pid ?? 0, stderr: () => stderr };
}

/** SIGTERM, and resolves once the child exited. */
export async function stopChild(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** Writes `dir/mounts.json`: pod default/bench, container app, `/data` on `hostPath`; its path. */
export function writeBenchMounts(dir: string, hostPath = '/node/data'): string {
  const mounts = join(dir, 'mounts.json');
  writeFileSync(
    mounts,
    JSON.stringify([
      {
        namespace: 'default',
        pod: 'bench',
        container: 'app',
        mounts: [{ mountPath: '/data', hostPath }],
      },
    ]),
  );
  return mounts;
}

/** VmRSS of a process, in bytes. */
export const rssOf = (pid: number): number =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) * 1024;

/** User + system CPU time of a process so far, in seconds (100 ticks a second). */
export const cpuOf = (pid: number): number => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
};

/** The largest RSS over a second of idling, as `ps` would show it. */
export async function idleRss(pid: number): Promise<number> {
  let largest = 0;
  for (let i = 0; i < 10; i++) {
    largest = Math.max(largest, rssOf(pid));
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return largest;
}
