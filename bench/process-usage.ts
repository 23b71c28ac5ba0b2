// What a child process uses, read from /proc (Linux): the benches that start the real programs
// measure them this way.
import { readFileSync } from 'node:fs';

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
