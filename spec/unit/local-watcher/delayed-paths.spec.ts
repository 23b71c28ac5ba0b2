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
});
