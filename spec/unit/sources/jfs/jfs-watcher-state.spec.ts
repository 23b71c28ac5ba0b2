// The JfsWatcher state machine over an in-memory transport, in virtual time: connect (CLEAR then
// WATCH), lose the connection, retry with the policy's delays, give up, close.
import { VirtualAction, VirtualTimeScheduler } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { encodeMessage } from '../../../../lib/jfs-protocol/encode-message.ts';
import { MessageType } from '../../../../lib/jfs-protocol/message-type.ts';
import { Op } from '../../../../lib/jfs-protocol/op.ts';
import {
  FrameTooLargeError,
  MalformedFrameError,
} from '../../../../lib/jfs-protocol/protocol-errors.ts';
import {
  JfsConnectionError,
  WatcherClosedError,
} from '../../../../lib/sources/jfs/jfs-client-errors.ts';
import { JfsWatcher } from '../../../../lib/sources/jfs/jfs-watcher.ts';
import type { WatcherStatus } from '../../../../lib/sources/jfs/notify-watcher.ts';
import { trackTimers } from '../../../../lib/testing/track-timers.ts';
import { MemoryTransport } from './memory-transport.ts';

const pod = { namespace: 'ns', pod: 'web-0', container: 'app', name: 'w', env: {} };

function watcher(reconnect: (attempt: number) => number | null = (n) => n * 100) {
  const scheduler = new VirtualTimeScheduler(VirtualAction, 1_000_000);
  const timers = trackTimers(scheduler);
  const transport = new MemoryTransport();
  const w = new JfsWatcher({
    ...pod,
    paths: ['/data/a'],
    retry: reconnect,
    scheduler: timers,
    transport,
  });
  const statuses: WatcherStatus[] = [];
  w.status$.subscribe((status) => statuses.push(status));
  const warnings: Error[] = [];
  w.warnings$.subscribe((warning) => warnings.push(warning));
  /** Advances virtual time by `ms`. */
  const advance = (ms: number): void => {
    const target = scheduler.frame + ms;
    scheduler.maxFrames = target;
    scheduler.flush();
    scheduler.frame = target; // flush() only moves the clock to the actions it runs
  };
  return { w, scheduler, timers, transport, statuses, warnings, advance };
}

const kinds = (statuses: WatcherStatus[]): string[] =>
  statuses.map((s) =>
    s.kind === 'ready' ? 'ready' : `${s.kind}${'attempt' in s ? ` ${s.attempt}` : ''}`,
  );

describe('the JfsWatcher state machine', () => {
  it('dials at once, sends CLEAR then WATCH(all) on connecting, and is ready once they are written', () => {
    const { w, transport, statuses } = watcher();
    expect(transport.dials).toHaveLength(1);
    expect(kinds(statuses)).toEqual(['connecting 0']);
    transport.last.accept();
    expect(transport.last.messages()).toEqual([
      { type: MessageType.Clear, channelId: 'ns/web-0/app/w' },
      { type: MessageType.Watch, channelId: 'ns/web-0/app/w', paths: ['/data/a'] },
    ]);
    expect(kinds(statuses)).toEqual(['connecting 0', 'ready']);
    w.add('/data/b');
    expect(transport.last.messages().at(-1)).toEqual({
      type: MessageType.Watch,
      channelId: 'ns/web-0/app/w',
      paths: ['/data/b'],
    });
  });

  it('delivers EVENT records split anywhere, and reports a malformed frame without dropping the link', () => {
    const { w, transport, warnings } = watcher();
    const events: string[] = [];
    w.events$.subscribe((e) => events.push(`${e.op} ${e.name}`));
    transport.last.accept();
    const frame = encodeMessage({
      type: MessageType.Event,
      events: [
        { name: '/data/a/x', op: Op.Create, key: '/data/a' },
        { name: '/data/a/y', op: Op.Write, key: '/data/a' },
      ],
    });
    transport.last.receive(frame.subarray(0, 3));
    transport.last.receive(frame.subarray(3));
    transport.last.receive(Uint8Array.from([0, 0, 0, 2, 0, 6]));
    expect(events).toEqual([`${Op.Create} /data/a/x`, `${Op.Write} /data/a/y`]);
    expect(warnings.map((x) => x.constructor)).toEqual([MalformedFrameError]);
    expect(transport.last.destroyed).toBe(false);
  });

  it('backs off as the policy says after failed dials; the first connection that comes up gets CLEAR', () => {
    const { transport, statuses, warnings, advance, timers } = watcher();
    transport.last.drop(new Error('ECONNREFUSED'));
    // `attempt` as LinkStatus says: the retry number, the one the policy (n * 100) was asked with.
    expect(statuses.at(-1)).toMatchObject({ kind: 'reconnecting', attempt: 1, delayMs: 100 });
    expect(warnings[0]).toBeInstanceOf(JfsConnectionError);
    advance(99);
    expect(transport.dials).toHaveLength(1);
    advance(1);
    expect(transport.dials).toHaveLength(2);
    transport.last.drop(new Error('ECONNREFUSED'));
    expect(statuses.at(-1)).toMatchObject({ kind: 'reconnecting', attempt: 2, delayMs: 200 });
    advance(200);
    transport.last.accept();
    expect(kinds(statuses)).toEqual([
      'connecting 0',
      'reconnecting 1',
      'connecting 1',
      'reconnecting 2',
      'connecting 2',
      'ready',
    ]);
    // The first connection never came up: the server has no CLEAR yet, so it is sent now.
    expect(transport.last.messages().map((m) => m.type)).toEqual([
      MessageType.Clear,
      MessageType.Watch,
    ]);
    expect(timers.active).toBe(0);
  });

  it('re-dials at once after a stable connection is lost (the first try, attempt 0); backs off after a short one', () => {
    const { transport, statuses, advance } = watcher();
    transport.last.accept();
    advance(1000);
    transport.last.drop();
    expect(kinds(statuses)).toEqual(['connecting 0', 'ready', 'connecting 0']);
    expect(transport.dials).toHaveLength(2);
    transport.last.accept();
    expect(transport.last.messages().map((m) => m.type)).toEqual([MessageType.Watch]);
    advance(10);
    transport.last.drop(); // up for 10 ms only: a server that closes at once is not hammered
    expect(statuses.at(-1)).toMatchObject({ kind: 'reconnecting', attempt: 1, delayMs: 100 });
    expect(transport.dials).toHaveLength(2);
  });

  it('closes with the error when the policy gives up, completing the streams and leaving no timer', () => {
    const { w, transport, statuses, timers, advance } = watcher((n) => (n < 2 ? 50 : null));
    let completed = 0;
    w.events$.subscribe({ complete: () => completed++ });
    w.warnings$.subscribe({ complete: () => completed++ });
    transport.last.drop();
    advance(50);
    transport.last.drop(new Error('ECONNREFUSED'));
    expect(statuses.at(-1)).toMatchObject({
      kind: 'closed',
      error: expect.any(JfsConnectionError),
    });
    expect(completed).toBe(2);
    expect(timers.active).toBe(0);
    expect(() => w.add('/data/c')).toThrow(WatcherClosedError);
  });

  it('drops a connection whose frame is over the cap, and reconnects', () => {
    const { transport, statuses, warnings } = watcher();
    transport.last.accept();
    transport.last.receive(Uint8Array.from([0xff, 0xff, 0xff, 0xff]));
    expect(transport.last.destroyError).toBeInstanceOf(FrameTooLargeError);
    expect(warnings.at(-1)).toBeInstanceOf(FrameTooLargeError);
    expect(statuses.at(-1)).toMatchObject({ kind: 'reconnecting', attempt: 1 });
  });

  it('close() while waiting to retry cancels the timer; the same promise every time; status closed', async () => {
    const { w, transport, statuses, timers } = watcher();
    transport.last.drop();
    expect(timers.active).toBe(1);
    const closing = w.close();
    expect(w.close()).toBe(closing);
    expect(w[Symbol.asyncDispose]()).toBe(closing);
    await closing;
    expect(timers.active).toBe(0);
    expect(statuses.at(-1)).toEqual({ kind: 'closed' });
    expect(transport.dials).toHaveLength(1);
  });

  it('close() while connected destroys the connection and settles once it is closed', async () => {
    const { w, transport, warnings } = watcher();
    transport.last.accept();
    await w.close();
    expect(transport.last.destroyed).toBe(true);
    expect(warnings).toEqual([]);
    expect(w.status).toEqual({ kind: 'closed' });
  });
});
