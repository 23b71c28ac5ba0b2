// One run of bench/file/overflow.ts: watches <root> with fileSource; on a line on stdin, blocks
// its event loop until <marker> exists, then prints one JSON line once <expected> files have been
// reported created: ms from unblocking to the last one, overflow warnings, peak RSS.
import { existsSync, writeSync } from 'node:fs';
import { Action } from '../../lib/events/action.ts';
import { fileSource } from '../../lib/sources/file/file-source.ts';

const [root, marker, expectedText] = process.argv.slice(2);
if (root === undefined || marker === undefined || expectedText === undefined) {
  throw new Error('usage: overflow-child <root> <marker> <expected>');
}
const expected = Number(expectedText);
const print = (line: object): void => void writeSync(1, `${JSON.stringify(line)}\n`);
const source = fileSource(root);
let overflows = 0;
source.warnings$.subscribe((warning) => {
  if (warning.name === 'InotifyOverflowError') overflows++;
});
const created = new Set<string>();
let unblocked = 0;
const subscription = source.subscribe((event) => {
  if (event.action !== Action.FileCreated) return;
  created.add(event.actorId);
  if (created.size < expected) return;
  const ms = performance.now() - unblocked;
  print({ type: 'done', ms, overflows, rssMiB: process.resourceUsage().maxRSS / 1024 });
  subscription.unsubscribe();
  process.stdin.destroy();
});
await source.ready();
print({ type: 'ready' });
process.stdin.once('data', () => {
  print({ type: 'blocking' });
  const pause = new Int32Array(new SharedArrayBuffer(4));
  while (!existsSync(marker)) Atomics.wait(pause, 0, 0, 5);
  unblocked = performance.now();
});
