import { describe, expect, it } from 'vitest';
import type { DockerMessage } from '../../../../lib/sources/docker/docker-message.ts';
import { parseDockerMessage } from '../../../../lib/sources/docker/docker-message.ts';
import { ResumePoint } from '../../../../lib/sources/docker/resume-point.ts';
import { fixture } from './fixture.ts';

function message(action: string, id: string, timeNano: bigint): DockerMessage {
  return { type: 'container', action, actorId: id, attributes: {}, timeNano };
}

describe('ResumePoint', () => {
  it('has no since before the first message', () => {
    const point = new ResumePoint();
    expect(point.since).toBeNull();
    expect(point.newest).toBeNull();
  });

  it('resumes at the newest time, exactly, and drops only what it saw at that time', () => {
    const point = new ResumePoint();
    expect(point.accept(message('create', 'a', 10_000_000_005n))).toBe(true);
    expect(point.accept(message('start', 'a', 10_000_000_007n))).toBe(true);
    expect(point.accept(message('create', 'b', 10_000_000_007n))).toBe(true);
    expect(point.since).toBe('10.000000007');
    // The replay repeats the messages of that nanosecond: duplicates.
    expect(point.accept(message('start', 'a', 10_000_000_007n))).toBe(false);
    expect(point.accept(message('create', 'b', 10_000_000_007n))).toBe(false);
    // Another message of the same nanosecond is new.
    expect(point.accept(message('create', 'c', 10_000_000_007n))).toBe(true);
    expect(point.accept(message('die', 'a', 10_000_000_008n))).toBe(true);
    expect(point.since).toBe('10.000000008');
  });

  it('delivers an older message arriving late (dockerd stamps before it orders) without moving since', () => {
    const point = new ResumePoint();
    point.accept(message('start', 'a', 20n));
    expect(point.accept(message('start', 'b', 19n))).toBe(true);
    expect(point.newest).toBe(20n);
  });

  it('knows the newest messages seen: what a replay check looks for', () => {
    const point = new ResumePoint();
    point.accept(message('start', 'a', 20n));
    expect(point.isNewestSeen(message('start', 'a', 20n))).toBe(true);
    expect(point.isNewestSeen(message('start', 'b', 20n))).toBe(false);
    expect(point.isNewestSeen(message('start', 'a', 21n))).toBe(false);
  });

  it('accepts a real burst (with a late message) once, and drops all of it replayed', () => {
    const lines = fixture('burst').lines;
    const messages = lines.map(
      (line) => parseDockerMessage(JSON.parse(line), line) as DockerMessage,
    );
    const point = new ResumePoint();
    expect(messages.every((m) => point.accept(m))).toBe(true);
    const newest = point.newest as bigint;
    const replay = messages.filter((m) => m.timeNano >= newest);
    expect(replay.length).toBeGreaterThan(0);
    expect(replay.map((m) => point.accept(m))).toEqual(replay.map(() => false));
  });
});
