import { describe, expect, it, onTestFinished } from 'vitest';
import {
  countWatchEvent,
  DEFAULT_MAX_QUEUED_EVENTS,
  inotifyQueueLimit,
  onInotifyOverflow,
  overflowThreshold,
} from '../../../lib/local-watcher/inotify-overflow.ts';

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('inotify overflow detection', () => {
  it('takes a full read as a read of the whole queue, less a margin for events of closed watches', () => {
    expect(overflowThreshold(16_384)).toBe(16_128);
    expect(overflowThreshold(1_048_576)).toBe(1_032_192);
    expect(inotifyQueueLimit()).toBeGreaterThan(0);
    expect(DEFAULT_MAX_QUEUED_EVENTS).toBe(16_384);
  });

  it('calls the listeners once after a read that reached the threshold, not after a smaller one', async () => {
    const calls: [number, number][] = [];
    const stop = onInotifyOverflow((events, limit) => calls.push([events, limit]));
    onTestFinished(stop);
    const threshold = overflowThreshold();

    for (let i = 0; i < threshold - 1; i++) countWatchEvent();
    await nextTurn();
    expect(calls).toEqual([]);

    // Counted per read: events of the next turn start from zero.
    countWatchEvent();
    await nextTurn();
    expect(calls).toEqual([]);

    for (let i = 0; i < threshold + 5; i++) countWatchEvent();
    await nextTurn();
    expect(calls).toEqual([[threshold + 5, inotifyQueueLimit()]]);

    stop();
    for (let i = 0; i < threshold; i++) countWatchEvent();
    await nextTurn();
    expect(calls).toHaveLength(1);
  });
});
