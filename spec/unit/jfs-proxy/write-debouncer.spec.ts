import { describe, expect, it } from 'vitest';
import type { JfsEvent } from '../../../lib/jfs-protocol/jfs-message.ts';
import { WriteDebouncer } from '../../../lib/jfs-proxy/write-debouncer.ts';
import { marbles } from '../../support/marbles.ts';

const write = (name: string, n = 0): JfsEvent => ({ name, op: 2, key: `/d${n}` });
const create = (name: string): JfsEvent => ({ name, op: 1, key: '/d' });
const remove = (name: string): JfsEvent => ({ name, op: 4, key: '/d' });

describe('WriteDebouncer', () => {
  it('holds writes per name and sends the latest once none came for the delay', () => {
    const sent: { at: number; event: JfsEvent }[] = [];
    let superseded = 0;
    marbles(({ testScheduler, at, timers }) => {
      const debouncer = new WriteDebouncer(10, timers, (event) =>
        sent.push({ at: testScheduler.now(), event }),
      );
      at(0, () => debouncer.push(write('/d/a', 1)));
      at(5, () => debouncer.push(write('/d/a', 2)));
      at(6, () => debouncer.push(write('/d/b')));
      at(8, () => debouncer.push(write('/d/a', 3)));
      at(30, () => {
        superseded = debouncer.superseded;
        expect(timers.active).toBe(0);
      });
    });
    expect(sent).toEqual([
      { at: 16, event: write('/d/b') },
      { at: 18, event: write('/d/a', 3) },
    ]);
    expect(superseded).toBe(2);
  });

  it('sends any other op at once, after the write it holds for that name', () => {
    const sent: { at: number; op: number }[] = [];
    marbles(({ testScheduler, at, timers }) => {
      const debouncer = new WriteDebouncer(10, timers, (event) =>
        sent.push({ at: testScheduler.now(), op: event.op }),
      );
      at(0, () => debouncer.push(create('/d/a')));
      at(1, () => debouncer.push(write('/d/a')));
      at(3, () => debouncer.push(remove('/d/a')));
      at(20, () => expect(timers.active).toBe(0));
    });
    expect(sent).toEqual([
      { at: 0, op: 1 },
      { at: 3, op: 2 },
      { at: 3, op: 4 },
    ]);
  });

  it('close() drops held writes and their timers', () => {
    const sent: JfsEvent[] = [];
    marbles(({ at, timers }) => {
      const debouncer = new WriteDebouncer(10, timers, (event) => sent.push(event));
      at(0, () => debouncer.push(write('/d/a')));
      at(2, () => {
        debouncer.close();
        expect(debouncer.pending).toBe(0);
        expect(timers.active).toBe(0);
      });
    });
    expect(sent).toEqual([]);
  });
});
