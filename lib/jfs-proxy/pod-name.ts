import { posix } from 'node:path';
import type { JfsEvent } from '../jfs-protocol/jfs-message.ts';

/** A watched node path as one channel asked for it: its pod path, and the prefix of its events' names. */
export interface PodTarget {
  readonly podKey: string;
  /**
   * What a plain name below the key starts with: `podKey` normalized, without
   * a trailing `/` (`''` for `/`); undefined when `podKey` is not absolute.
   */
  readonly base: string | undefined;
}

/** The {@link PodTarget} of a pod path a client watches. */
export function podTarget(podKey: string): PodTarget {
  if (!podKey.startsWith('/')) return { podKey, base: undefined };
  const normal = posix.normalize(podKey);
  return { podKey, base: normal.endsWith('/') ? normal.slice(0, -1) : normal };
}

/**
 * The pod path of the event's name: under the pod key the client registered.
 * A plain name (no `.` segment, no `//`) is the base and the rest of the name,
 * as `posix.join` would make it, without its cost per event.
 */
export function translateName(event: JfsEvent, target: PodTarget): string | undefined {
  const { name, key } = event;
  if (name === key) return target.podKey;
  if (key === '/')
    return name.startsWith('/') ? posix.join(target.podKey, name.slice(1)) : undefined;
  if (name.charCodeAt(key.length) !== 47 || !name.startsWith(key)) return undefined;
  const rest = name.slice(key.length);
  if (
    target.base === undefined ||
    rest.includes('/.') ||
    rest.includes('//') ||
    rest.charCodeAt(rest.length - 1) === 47
  ) {
    return posix.join(target.podKey, rest);
  }
  return target.base + rest;
}
