// Startup cost of one watcher on a large tree, in its own process: `node bench/file/startup.ts
// <variant> <root>` watches <root> (made by bench/file/main.ts), and prints one JSON line with the
// time to ready, the RSS once ready, and the inotify watches it holds (counted from
// /proc/self/fdinfo: one "inotify wd:" line per watch, over every inotify descriptor).
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import watcher from '@parcel/watcher';
import { watch } from 'chokidar';
import { fileSource } from '../../lib/sources/file/file-source.ts';
import { collectGarbage } from '../support.ts';

/** What one run measured. */
export interface StartupResult {
  readonly variant: string;
  readonly readyMs: number;
  readonly rssMb: number;
  readonly watches: number;
}

/** Each variant: starts watching `root`, resolves once ready with a way to stop. */
const starters: Readonly<Record<string, (root: string) => Promise<() => Promise<void>>>> = {
  async parcel(root) {
    const subscription = await watcher.subscribe(root, () => {});
    return () => subscription.unsubscribe();
  },
  async chokidar(root) {
    const chokidar = watch(root, { ignoreInitial: true });
    await new Promise<void>((resolve) => chokidar.once('ready', resolve));
    return () => chokidar.close();
  },
  async source(root) {
    const source = fileSource(root);
    const subscription = source.subscribe(() => {});
    await source.ready();
    return async () => subscription.unsubscribe();
  },
};

/** Inotify watches held by this process. */
export function inotifyWatches(): number {
  let count = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    let target = '';
    try {
      target = readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      continue;
    }
    if (target !== 'anon_inode:inotify') continue;
    const info = readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8');
    count += info.split('\n').filter((line) => line.startsWith('inotify wd:')).length;
  }
  return count;
}

async function main(): Promise<void> {
  const [name = '', root = ''] = process.argv.slice(2);
  const start = starters[name];
  if (start === undefined || root === '') throw new Error(`usage: startup.ts <variant> <root>`);
  const began = performance.now();
  const stop = await start(root);
  const readyMs = performance.now() - began;
  collectGarbage();
  const result: StartupResult = {
    variant: name,
    readyMs,
    rssMb: process.memoryUsage().rss / 2 ** 20,
    watches: inotifyWatches(),
  };
  await stop();
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

await main();
