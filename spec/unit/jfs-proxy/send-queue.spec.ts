import type { Socket } from 'node:net';
import { Writable } from 'node:stream';
import { queueScheduler } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { PAGE_BYTES, PagePool } from '../../../lib/jfs-proxy/page-pool.ts';
import { SendQueue } from '../../../lib/jfs-proxy/send-queue.ts';

const limits = {
  maxQueuedBytes: 1024 * 1024,
  slowClientGrace: 5000,
  maxBufferedBytes: 64 * 1024 * 1024,
  scheduler: queueScheduler,
};

/**
 * A writable end whose writes complete only when the test says so (a client
 * that reads when told): what it received, in order, and its pending writes.
 */
function slowReader() {
  const received: Buffer[] = [];
  const pending: (() => void)[] = [];
  const sink = new Writable({
    highWaterMark: 0,
    write(chunk: Buffer, _encoding, done) {
      // A copy as the bytes arrive, as a socket's kernel buffer takes them.
      received.push(Buffer.from(chunk));
      pending.push(() => done());
    },
  });
  return {
    socket: sink as unknown as Socket,
    received: () => Buffer.concat(received),
    writes: () => received.length,
    /** Completes every write made so far, and those they lead to, until none is pending. */
    async readAll(): Promise<void> {
      while (pending.length > 0) {
        (pending.shift() as () => void)();
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    },
  };
}

const frame = (length: number, fill: number): Buffer => Buffer.alloc(length, fill);

describe('SendQueue', () => {
  it('sends exactly the bytes of its frames, in order, across page boundaries', async () => {
    const reader = slowReader();
    const queue = new SendQueue(reader.socket, limits, () => {}, undefined, new PagePool());
    const frames = [
      frame(522, 1),
      frame(PAGE_BYTES - 100, 2),
      frame(3 * PAGE_BYTES + 17, 3),
      frame(8, 4),
    ];
    for (const f of frames) expect(queue.send(f)).toBe(true);
    await reader.readAll();
    expect(reader.received().equals(Buffer.concat(frames))).toBe(true);
    // One page (at most) per socket write: each completed write is a sign of reading.
    expect(reader.writes()).toBeGreaterThanOrEqual(5);
    expect(queue.queuedBytes).toBe(0);
  });

  it('copies each frame: the caller may reuse it at once, even while a write is in flight', async () => {
    const reader = slowReader();
    const queue = new SendQueue(reader.socket, limits, () => {}, undefined, new PagePool());
    const reused = frame(600, 7);
    queue.send(reused);
    reused.fill(8);
    queue.send(reused);
    reused.fill(9);
    await reader.readAll();
    expect(reader.received().equals(Buffer.concat([frame(600, 7), frame(600, 8)]))).toBe(true);
  });

  it('gives its pages back once written: an idle queue holds none, and pages are reused', async () => {
    const pool = new PagePool();
    const reader = slowReader();
    const queue = new SendQueue(reader.socket, limits, () => {}, undefined, pool);
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 20; i++) queue.send(frame(65_800, round % 256));
      await reader.readAll();
      expect(queue.pages).toBe(0);
    }
    // 50 bursts of 1.3 MB each through the same few pages.
    expect(pool.created).toBeLessThanOrEqual(22);
    expect(pool.free).toBe(pool.created);
    expect(reader.received().length).toBe(50 * 20 * 65_800);
  });

  it('writes a small frame alone without a page: one change to many clients takes no page each', async () => {
    const pool = new PagePool();
    const readers = Array.from({ length: 100 }, () => slowReader());
    const queues = readers.map(
      (reader) => new SendQueue(reader.socket, limits, () => {}, undefined, pool),
    );
    for (const queue of queues) queue.send(frame(522, 5));
    expect(pool.created).toBe(0);
    // A second frame while the first is in flight waits in a page.
    queues[0]?.send(frame(522, 6));
    expect(pool.created).toBe(1);
    for (const reader of readers) await reader.readAll();
    expect(readers[0]?.received().equals(Buffer.concat([frame(522, 5), frame(522, 6)]))).toBe(true);
    expect(readers[1]?.received().equals(frame(522, 5))).toBe(true);
    expect(queues.map((queue) => queue.queuedBytes + queue.pages)).toEqual(queues.map(() => 0));
  });

  it('on stop keeps back the page of a write in flight (the socket still reads it)', () => {
    const pool = new PagePool();
    const reader = slowReader();
    const queue = new SendQueue(reader.socket, limits, () => {}, undefined, pool);
    queue.send(frame(3 * PAGE_BYTES, 1));
    expect(queue.pages).toBe(3);
    queue.stop();
    expect(queue.pages).toBe(0);
    expect(pool.free).toBe(2);
    expect(queue.send(frame(10, 1))).toBe(false);
  });
});
