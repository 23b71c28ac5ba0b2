import { VirtualTimeScheduler } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { DelayedPaths } from '../../../lib/local-watcher/delayed-paths.ts';

describe('DelayedPaths', () => {
  it('releases each path once its delay has passed, in order, with its value; one timer', () => {
    const scheduler = new VirtualTimeScheduler();
    const released: string[] = [];
    const held = new DelayedPaths<number>(100, scheduler, (path, value) =>
      released.push(`${path}=${value} @${scheduler.now()}`),
    );
    held.hold('a', 1);
    scheduler.schedule(() => held.hold('b', 2), 30);
    scheduler.schedule(() => expect(held.take('a')).toBe(1), 50);
    scheduler.schedule(() => held.hold('a', 3), 60);
    scheduler.flush();
    expect(released).toEqual(['b=2 @130', 'a=3 @160']);
    expect(held.get('a')).toBeUndefined();
  });

  it('drops what it holds on close', () => {
    const scheduler = new VirtualTimeScheduler();
    const released: string[] = [];
    const held = new DelayedPaths<string>(100, scheduler, (path) => released.push(path));
    held.hold('a', 'x');
    held.close();
    scheduler.flush();
    expect(released).toEqual([]);
  });

  it('with slack: the next hold first releases what is due, in order; a path waits at most `slack` more', () => {
    const scheduler = new VirtualTimeScheduler();
    const released: string[] = [];
    const held = new DelayedPaths<number>(
      50,
      scheduler,
      (path) => released.push(`${path} @${scheduler.now()}`),
      50,
    );
    // A steady flow: one hold every 40 ms, as the watch thread sends changes.
    for (let i = 0; i < 5; i++) {
      scheduler.schedule(() => {
        held.hold(`f${i}`, i);
        released.push(`hold f${i}`);
      }, i * 40);
    }
    scheduler.flush();
    expect(released).toEqual([
      'hold f0',
      'hold f1',
      // f0 was due at 50: the hold at 80 releases it, before it holds f2 (the timer set for 100
      // is not moved: it fires for f1).
      'f0 @80',
      'hold f2',
      'f1 @100',
      'hold f3',
      'f2 @160',
      'hold f4',
      'f3 @180',
      // Nothing held after it: the timer, `slack` late.
      'f4 @260',
    ]);
  });

  it('with slack: released by the timer at most `slack` late when nothing else is held', () => {
    const scheduler = new VirtualTimeScheduler();
    const released: string[] = [];
    const held = new DelayedPaths<number>(
      50,
      scheduler,
      (path) => released.push(`${path} @${scheduler.now()}`),
      25,
    );
    held.hold('a', 1);
    scheduler.schedule(() => held.hold('b', 2), 10);
    scheduler.flush();
    expect(released).toEqual(['a @75', 'b @75']);
  });
});
