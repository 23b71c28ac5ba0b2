import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runBlockedLoop, THREAD_MODES } from '../../support/blocked-loop-overflow.ts';

const fixture = fileURLToPath(new URL('fixtures/blocked-node-watcher.ts', import.meta.url));

describe("the daemon's NodeWatcher when the kernel inotify queue overflows (a real process with a blocked event loop)", () => {
  it.each(THREAD_MODES)(
    '%s: a Create for every one of 50,000 files made while its event loop is blocked',
    async (_name, thread) => {
      const { all } = await runBlockedLoop(fixture, thread);
      expect(all['created']).toBe(50_000);
    },
    180_000,
  );
});
