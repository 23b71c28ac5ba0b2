import type { Redis } from 'ioredis';
import type { Observable } from 'rxjs';
import { BehaviorSubject } from 'rxjs/internal/BehaviorSubject';
import { distinctUntilChanged } from 'rxjs/internal/operators/distinctUntilChanged';
import type { LinkStatus } from '../status.ts';

/**
 * An ioredis connection's life as the shared {@link LinkStatus}: `connecting`
 * (`attempt` 0) until the first `ready`; after each loss `reconnecting`
 * (`attempt` n from 1 since the last `ready`, the number ioredis asked the
 * `retry` policy with, its delay, the last error), then `connecting` (`attempt`
 * n) when ioredis dials again; `closed` once it ends (with the last error when
 * the retry policy gave up, none when `closing()` says the end was asked for).
 * Replays the current status; completes on `closed`.
 */
export function redisLinkStatus(
  redis: Redis,
  closing: () => boolean,
  now: () => number = Date.now,
): Observable<LinkStatus> {
  const status = new BehaviorSubject<LinkStatus>(
    redis.status === 'ready' ? { kind: 'ready', since: now() } : { kind: 'connecting', attempt: 0 },
  );
  // ioredis counts the same way: `retryStrategy(++retryAttempts)` just before 'reconnecting',
  // `retryAttempts = 0` on 'ready'.
  let attempt = 0;
  let lastError: Error | undefined;
  redis.on('error', (error: Error) => {
    lastError = error;
  });
  redis.on('ready', () => {
    attempt = 0;
    lastError = undefined;
    status.next({ kind: 'ready', since: now() });
  });
  redis.on('reconnecting', (delayMs: number) => {
    attempt++;
    const error = lastError ?? new Error('the Redis connection was lost');
    status.next({ kind: 'reconnecting', attempt, delayMs, error });
  });
  redis.on('connecting', () => {
    const current = status.value;
    if (current.kind === 'connecting' && current.attempt === attempt) return;
    status.next({ kind: 'connecting', attempt });
  });
  redis.on('end', () => {
    // A close asked for (`closing()`) is not a failure: it ends without error.
    status.next(
      closing() || lastError === undefined
        ? { kind: 'closed' }
        : { kind: 'closed', error: lastError },
    );
    status.complete();
  });
  return status.pipe(distinctUntilChanged());
}
