import type { WatchBudget } from './connection-limits.ts';
import { type PodTarget, podTarget } from './pod-name.ts';
import type { WatchLimit } from './proxy-errors.ts';

/** What {@link ConnectionWatches} tells its connection: a node path's first and last watch. */
export interface WatchChanges {
  /** The connection now watches `nodePath` (its first channel for it). */
  watched(nodePath: string): void;
  /** The connection no longer watches `nodePath` (its last channel for it is gone). */
  unwatched(nodePath: string): void;
}

/**
 * One connection's watches: node path -> channel id -> pod path, bounded by
 * `maxWatchesPerConnection` (channel, path) pairs and by the proxy's shared
 * budget of distinct node paths (`maxWatchedPaths`).
 */
export class ConnectionWatches {
  readonly #watches = new Map<string, Map<string, PodTarget>>();
  /** (channel, path) pairs in `#watches`, against `maxPairs`. */
  #pairs = 0;
  readonly #maxPairs: number;
  readonly #paths: WatchBudget;
  readonly #changes: WatchChanges;

  constructor(maxPairs: number, paths: WatchBudget, changes: WatchChanges) {
    this.#maxPairs = maxPairs;
    this.#paths = paths;
    this.#changes = changes;
  }

  /** The channels watching `nodePath`, with the pod path each asked for. */
  channelsOf(nodePath: string): ReadonlyMap<string, PodTarget> | undefined {
    return this.#watches.get(nodePath);
  }

  /** The node paths `channelId` watches. */
  pathsOf(channelId: string): string[] {
    const paths: string[] = [];
    for (const [nodePath, channels] of this.#watches)
      if (channels.has(channelId)) paths.push(nodePath);
    return paths;
  }

  /** Watches `nodePath` for `channelId`; returns the limit that refused it, if one did. */
  watch(nodePath: string, channelId: string, podPath: string): WatchLimit | undefined {
    let channels = this.#watches.get(nodePath);
    if (channels?.has(channelId) !== true) {
      if (this.#pairs >= this.#maxPairs) return 'maxWatchesPerConnection';
      if (channels === undefined && !this.#paths.take(nodePath)) return 'maxWatchedPaths';
      this.#pairs++;
    }
    if (channels === undefined) {
      channels = new Map();
      this.#watches.set(nodePath, channels);
      this.#changes.watched(nodePath);
    }
    channels.set(channelId, podTarget(podPath));
    return undefined;
  }

  unwatch(nodePath: string, channelId: string): void {
    const channels = this.#watches.get(nodePath);
    if (channels === undefined || !channels.delete(channelId)) return;
    this.#pairs--;
    if (channels.size === 0) {
      this.#watches.delete(nodePath);
      this.#paths.give(nodePath);
      this.#changes.unwatched(nodePath);
    }
  }

  /** Every watch of `channelId` goes. */
  clear(channelId: string): void {
    for (const nodePath of this.pathsOf(channelId)) this.unwatch(nodePath, channelId);
  }

  /** Every watch goes (the connection closed). */
  releaseAll(): void {
    for (const nodePath of this.#watches.keys()) {
      this.#paths.give(nodePath);
      this.#changes.unwatched(nodePath);
    }
    this.#watches.clear();
    this.#pairs = 0;
  }
}
