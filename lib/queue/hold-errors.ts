// What holds report: a hold kept a batch open for `maxHold` and was overridden.
import { QueueError } from '../errors.ts';

/**
 * A hold (a `hold(name)` not released, or a `holdWhile` file still present,
 * such as a stale `.git/index.lock`) kept a batch open for `maxHold` ms: the
 * batch was delivered anyway, and the hold keeps no batch open until it is
 * released. Reported to `onError`; the queue goes on.
 */
export class HoldTimeoutWarning extends QueueError {
  override readonly name = 'HoldTimeoutWarning';
  override readonly code = 'BATCHWATCH_HOLD_TIMEOUT';
  /** The holds that expired (names given to `hold()`, or absolute file paths). */
  readonly holds: readonly string[];
  /** The `maxHold` option, in ms. */
  readonly maxHold: number;

  constructor(holds: readonly string[], maxHold: number) {
    const names = holds.map((name) => `"${name}"`).join(', ');
    super(
      `Hold ${names} kept the batch open for ${maxHold} ms: delivering it anyway. ` +
        'Release the hold (or remove the stale file), or raise maxHold.',
    );
    this.holds = Object.freeze([...holds]);
    this.maxHold = maxHold;
  }
}
