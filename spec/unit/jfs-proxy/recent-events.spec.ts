import { describe, expect, it } from 'vitest';
import { RecentEvents } from '../../../lib/jfs-proxy/recent-events.ts';

const event = (name: string, key = '/node/a') => ({ name: `${key}/${name}`, op: 1, key });

describe('RecentEvents', () => {
  it("keeps a key's events of the window, oldest first, and forgets older ones", () => {
    const recent = new RecentEvents(1000, 100);
    recent.push([event('x'), event('y', '/node/b')], 0);
    recent.push([event('z')], 600);
    expect(recent.of('/node/a', 900).map((e) => e.name)).toEqual(['/node/a/x', '/node/a/z']);
    expect(recent.of('/node/a', 1500).map((e) => e.name)).toEqual(['/node/a/z']);
    expect(recent.of('/node/b', 1500)).toEqual([]);
  });

  it('holds at most maxEvents, the newest', () => {
    const recent = new RecentEvents(1000, 3);
    recent.push(
      Array.from({ length: 5000 }, (_, i) => event(`f${i}`)),
      0,
    );
    expect(recent.of('/node/a', 0).map((e) => e.name)).toEqual([
      '/node/a/f4997',
      '/node/a/f4998',
      '/node/a/f4999',
    ]);
  });
});
