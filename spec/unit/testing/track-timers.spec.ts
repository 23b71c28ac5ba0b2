// trackTimers(): counts live timers, to prove nothing is left running.
import { type SchedulerAction, VirtualTimeScheduler } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { trackTimers } from '../../../lib/testing/index.ts';

describe('trackTimers', () => {
  it('counts scheduled actions until they run or are cancelled', () => {
    const virtual = new VirtualTimeScheduler();
    const timers = trackTimers(virtual);
    const ran: number[] = [];
    timers.schedule(() => ran.push(1), 1);
    const second = timers.schedule(() => ran.push(2), 60_000);
    expect(timers.active).toBe(2);
    second.unsubscribe();
    expect(timers.active).toBe(1);
    virtual.flush();
    expect(ran).toEqual([1]);
    expect(timers.active).toBe(0);
  });

  it('does not count again an action that reschedules itself', () => {
    const virtual = new VirtualTimeScheduler();
    const timers = trackTimers(virtual);
    let runs = 0;
    timers.schedule(function (this: SchedulerAction<undefined>) {
      if (++runs < 3) this.schedule(undefined, 5);
    }, 5);
    expect(timers.active).toBe(1);
    virtual.flush();
    expect(runs).toBe(3);
    expect(timers.active).toBe(0);
  });
});
