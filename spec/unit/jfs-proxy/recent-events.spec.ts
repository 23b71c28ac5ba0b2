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

  it('keeps every event of one push larger than a chunk (each sealed chunk carries the push time)', () => {
    const recent = new RecentEvents(1000, 100_000);
    recent.push([event('first')], 5000);
    recent.push(
      Array.from({ length: 5000 }, (_, i) => event(`f${i}`)),
      6000,
    );
    expect(recent.of('/node/a', 6500)).toHaveLength(5000);
    expect(recent.covers('/node/a', 5500, 6500)).toBe(true);
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

describe('RecentEvents.covers', () => {
  it('says, per key, whether every event since a time is still kept', () => {
    const recent = new RecentEvents(1000, 3);
    recent.push(
      Array.from({ length: 5 }, (_, i) => event(`f${i}`, '/node/busy')),
      100,
    );
    recent.push([event('x', '/node/quiet')], 150);
    // /node/busy lost three events (two in the push, one for /node/quiet's); /node/quiet none.
    expect(recent.covers('/node/busy', 50, 200)).toBe(false);
    expect(recent.covers('/node/busy', 101, 200)).toBe(true);
    expect(recent.covers('/node/quiet', -500, 200)).toBe(true);
    // A later burst pushes /node/quiet's event out too.
    recent.push(
      [event('g', '/node/busy'), event('h', '/node/busy'), event('i', '/node/busy')],
      300,
    );
    expect(recent.covers('/node/quiet', -500, 300)).toBe(false);
    expect(recent.covers('/node/quiet', 151, 300)).toBe(true);
    expect(recent.of('/node/quiet', 300)).toEqual([]);
    // Nothing before the window is covered.
    expect(recent.covers('/node/other', -2, 999)).toBe(false);
    expect(recent.covers('/node/other', 0, 999)).toBe(true);
  });

  it('counts losses for every key once too many keys lost events', () => {
    const recent = new RecentEvents(1000, 1);
    recent.push(
      Array.from({ length: 10_002 }, (_, i) => event('f', `/node/k${i}`)),
      10,
    );
    expect(recent.covers('/node/never-seen', 5, 20)).toBe(false);
    expect(recent.covers('/node/never-seen', 11, 20)).toBe(true);
  });
});
