// The churn of bench/jfs/soak.ts, on a thread of its own so that the clients' reading never waits
// for it (nor it for them): `rate` creates and `rate` removes a second in `dir` (each file removed
// `keep` creations later) for `durationMs`, the time of each change in shared memory.
import { closeSync, openSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { workerData } from 'node:worker_threads';

interface Churn {
  readonly dir: string;
  readonly rate: number;
  readonly keep: number;
  readonly durationMs: number;
  /** Float64 times (ms) of each creation and removal, by file index. */
  readonly createdAt: SharedArrayBuffer;
  readonly removedAt: SharedArrayBuffer;
  /** Int32 [files created so far, most files the churn was behind, done]. */
  readonly progress: SharedArrayBuffer;
}

const { dir, rate, keep, durationMs, createdAt, removedAt, progress } = workerData as Churn;
const created = new Float64Array(createdAt);
const removed = new Float64Array(removedAt);
const state = new Int32Array(progress);
const started = Date.now();
let next = 0;
while (Date.now() - started < durationMs) {
  // As many changes as the elapsed time asks for, at most a tenth of a second's at once.
  const due = Math.min(created.length - 1, Math.floor(((Date.now() - started) * rate) / 1000));
  Atomics.store(state, 1, Math.max(Atomics.load(state, 1), due - next));
  const until = Math.min(due, next + Math.ceil(rate / 10));
  while (next < until) {
    closeSync(openSync(join(dir, `s${next}`), 'w'));
    created[next] = Date.now();
    if (next >= keep) {
      unlinkSync(join(dir, `s${next - keep}`));
      removed[next - keep] = Date.now();
    }
    next++;
    Atomics.store(state, 0, next);
  }
  await new Promise((resolve) => setTimeout(resolve, 5));
}
Atomics.store(state, 2, 1);
