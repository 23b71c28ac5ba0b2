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

describe('RecentEvents in chunks', () => {
  it('keeps order and the maxEvents newest across sealed chunks and the open one', () => {
    const recent = new RecentEvents(1000, 2500);
    // 3,000 events over 30 pushes 10 ms apart: several sealed chunks (1,024 each or 20 ms old).
    for (let push = 0; push < 30; push++) {
      recent.push(
        Array.from({ length: 100 }, (_, i) => event(`f${push * 100 + i}`)),
        push * 10,
      );
    }
    const names = recent.of('/node/a', 290).map((e) => e.name);
    expect(names).toEqual(Array.from({ length: 2500 }, (_, i) => `/node/a/f${500 + i}`));
  });

  it('forgets a chunk once its newest event leaves the window, and open events too', () => {
    const recent = new RecentEvents(100, 1000);
    recent.push([event('a')], 0);
    recent.push([event('b')], 50); // 'a' is sealed (its chunk began 50 ms ago); 'b' opens one
    recent.push([event('c', '/node/b')], 60);
    expect(recent.of('/node/a', 120).map((e) => e.name)).toEqual(['/node/a/b']);
    expect(recent.of('/node/b', 159).map((e) => e.name)).toEqual(['/node/b/c']);
    expect(recent.of('/node/b', 161)).toEqual([]);
  });
});
