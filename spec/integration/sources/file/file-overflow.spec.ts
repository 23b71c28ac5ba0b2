import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runBlockedLoop, THREAD_MODES } from '../../../support/blocked-loop-overflow.ts';

const fixture = fileURLToPath(new URL('fixtures/blocked-loop.ts', import.meta.url));

describe('fileSource when the kernel inotify queue overflows (a real process with a blocked event loop)', () => {
  it.each(THREAD_MODES)(
    '%s: every one of 50,000 files created while its event loop is blocked is reported',
    async (_name, thread) => {
      const { all, lines } = await runBlockedLoop(fixture, thread);
      expect(all['created']).toBe(50_000);
      // The differences are read again and reported exactly: no ForceReload stands in for them.
      expect(lines.some((line) => line.type === 'force-reload')).toBe(false);
      if (thread === '0') expect(all['counters']).toMatchObject({ overflows: 1 });
    },
    180_000,
  );
});
