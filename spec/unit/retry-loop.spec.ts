import { VirtualTimeScheduler } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { OptionsError } from '../../lib/errors.ts';
import { RetryLoop } from '../../lib/retry-loop.ts';

function loop(policy: (attempt: number) => number | null, maxRetries?: number) {
  const scheduler = new VirtualTimeScheduler();
  const retries = new RetryLoop({
    policy,
    option: 'retry',
    scheduler,
    ...(maxRetries === undefined ? {} : { maxRetries }),
  });
  return { scheduler, retries };
}

describe('RetryLoop', () => {
  it('asks the policy with the failure count and runs the next try after its delay', () => {
    const asked: number[] = [];
    const { scheduler, retries } = loop((attempt) => {
      asked.push(attempt);
      return attempt * 100;
    });
    const tries: number[] = [];
    const fail = (): void => {
      const step = retries.failed(() => {
        tries.push(scheduler.now());
        if (tries.length < 3) fail();
      });
      expect(step).toEqual({ retry: true, attempt: asked.length, delay: asked.length * 100 });
    };
    fail();
    scheduler.flush();
    expect(asked).toEqual([1, 2, 3]);
    expect(tries).toEqual([100, 300, 600]);
    expect(retries.pending).toBe(false);
    retries.failed(() => {});
    expect(retries.pending).toBe(true);
    retries.cancel();
    expect(retries.pending).toBe(false);
  });

  it('gives the status numbers LinkStatus documents: two failures, a recovery, one more', () => {
    const { scheduler, retries } = loop((attempt) => attempt * 10);
    const statuses: string[] = ['connecting 0'];
    const tryOnce = (ok: boolean): void => {
      if (ok) {
        retries.succeeded();
        statuses.push('ready');
        return;
      }
      const step = retries.failed((attempt) => {
        statuses.push(`connecting ${attempt}`);
        tryOnce(outcomes.shift() ?? true);
      });
      if (step.retry) statuses.push(`reconnecting ${step.attempt} ${step.delay}`);
    };
    const outcomes = [false, true];
    tryOnce(false);
    scheduler.flush();
    tryOnce(false); // lost after being ready: counted from 1 again
    scheduler.flush();
    expect(statuses).toEqual([
      'connecting 0',
      'reconnecting 1 10',
      'connecting 1',
      'reconnecting 2 20',
      'connecting 2',
      'ready',
      'reconnecting 1 10',
      'connecting 1',
      'ready',
    ]);
  });

  it('counts from 1 again after a success', () => {
    const { retries } = loop(() => 5);
    retries.failed(() => {});
    retries.failed(() => {});
    expect(retries.failures).toBe(2);
    retries.succeeded();
    expect(retries.failed(() => {})).toMatchObject({ attempt: 1 });
  });

  it('gives up when the policy answers null, after maxRetries, and when the policy throws', () => {
    expect(loop(() => null).retries.failed(() => {})).toEqual({ retry: false, attempt: 1 });
    const limited = loop(() => 1, 2).retries;
    expect(limited.failed(() => {}).retry).toBe(true);
    expect(limited.failed(() => {}).retry).toBe(true);
    expect(limited.failed(() => {})).toEqual({ retry: false, attempt: 3 });
    const boom = new Error('policy bug');
    const thrower = loop(() => {
      throw boom;
    }).retries;
    expect(thrower.failed(() => {})).toEqual({ retry: false, attempt: 1, cause: boom });
    const nonsense = loop(() => Number.NaN).retries.failed(() => {});
    expect(nonsense.retry).toBe(false);
    expect(nonsense.retry === false && nonsense.cause).toBeInstanceOf(OptionsError);
    expect((nonsense as { cause: OptionsError }).cause.message).toContain('Bad option retry');
  });

  it('holds at most one timer: a new failure replaces the scheduled try; cancel releases it', () => {
    const { scheduler, retries } = loop(() => 50);
    let first = 0;
    let second = 0;
    retries.failed(() => first++);
    retries.failed(() => second++);
    scheduler.flush();
    expect([first, second]).toEqual([0, 1]);
    retries.failed(() => first++);
    retries.cancel();
    scheduler.flush();
    expect(first).toBe(0);
    expect(scheduler.actions).toHaveLength(0);
  });
});
