import type { SourceContext } from '../event-source.ts';
import { type DockerMessage, formatDockerTime, messageKey } from './docker-message.ts';
import type { ResolvedDockerSourceOptions } from './docker-source-options.ts';

/**
 * Where to resume the event stream after a break, and which replayed messages were already seen.
 *
 * dockerd keeps its last 256 events and replays those at or after `since` (inclusive, to the
 * nanosecond). Resuming at the newest time seen brings back the messages of that very nanosecond
 * again, and only those can be duplicates: they are recognised by their {@link messageKey}.
 */
export class ResumePoint {
  #newest: bigint | null = null;
  #keysAtNewest = new Set<string>();

  /** The newest `timeNano` seen, or null before the first message. */
  get newest(): bigint | null {
    return this.#newest;
  }

  /** `since` for the next connection (`<seconds>.<nanoseconds>`), or null before the first message. */
  get since(): string | null {
    return this.#newest === null ? null : formatDockerTime(this.#newest);
  }

  /**
   * Records a message about to be delivered. Returns false when it was seen already (a replayed
   * duplicate: drop it).
   */
  accept(message: DockerMessage): boolean {
    const newest = this.#newest;
    const time = message.timeNano;
    if (newest === null || time > newest) {
      this.#newest = time;
      this.#keysAtNewest = new Set([messageKey(message)]);
      return true;
    }
    if (time < newest) {
      // Never replayed (replays start at `since`): dockerd stamps an event before it takes the
      // lock that orders publication, so two events logged at once may arrive out of order.
      return true;
    }
    const key = messageKey(message);
    if (this.#keysAtNewest.has(key)) return false;
    this.#keysAtNewest.add(key);
    return true;
  }

  /**
   * The resume point as a checkpoint (the newest time and the keys seen at it), or null before
   * the first message. {@link ResumePoint.restore} reads it back.
   */
  serialize(): string | null {
    if (this.#newest === null) return null;
    return JSON.stringify({ newest: this.#newest.toString(), keys: [...this.#keysAtNewest] });
  }

  /** A resume point saved by {@link ResumePoint.serialize}, or null when `text` is not one. */
  static restore(text: string): ResumePoint | null {
    try {
      const saved = JSON.parse(text) as { newest?: unknown; keys?: unknown };
      if (typeof saved.newest !== 'string' || !/^\d+$/.test(saved.newest)) return null;
      if (!Array.isArray(saved.keys) || !saved.keys.every((key) => typeof key === 'string')) {
        return null;
      }
      const point = new ResumePoint();
      point.#newest = BigInt(saved.newest);
      point.#keysAtNewest = new Set(saved.keys as string[]);
      return point;
    } catch {
      return null;
    }
  }

  /**
   * True when `message` is one of those seen at the newest time: finding one in the daemon's
   * buffer proves that the buffer still holds everything published after it.
   */
  isNewestSeen(message: DockerMessage): boolean {
    return message.timeNano === this.#newest && this.#keysAtNewest.has(messageKey(message));
  }
}

/**
 * The resume point saved in the source's checkpoint store: null when none was saved; an empty
 * point when the saved one cannot be read (logged): the source then has no event to prove the
 * gap empty with, and reports a ForceReload.
 */
export function restoreResumePoint(
  options: ResolvedDockerSourceOptions,
  context: SourceContext,
): ResumePoint | null {
  const saved = options.checkpoint?.checkpoint(options.checkpointName);
  if (saved === undefined) return null;
  const point = ResumePoint.restore(saved);
  if (point !== null) return point;
  context.log('unreadable checkpoint %s: %s', options.checkpointName, saved);
  return new ResumePoint();
}
