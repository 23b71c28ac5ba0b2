import { OptionsError } from '../../errors.ts';
import {
  type CheckpointStore,
  resolveCheckpointName,
  resolveCheckpointStore,
} from '../../journal/checkpoint-store.ts';
import { optionNames, rejectUnknownOptions, resolveFunction } from '../../options.ts';
import { createNotifyWatcher } from './create-notify-watcher.ts';
import {
  type JfsWatcherOptions,
  jfsWatcherOptionNames,
  resolveJfsWatcherOptions,
} from './jfs-watcher-options.ts';
import type { NotifyWatcher } from './notify-watcher.ts';

/** Options of {@link jfsSource}: those of the watcher, plus the mapping. */
export interface JfsSourceOptions extends JfsWatcherOptions {
  /** The paths to watch (pod paths); at least one. */
  readonly paths: readonly string[];
  /** Report Chmod as FileWritten instead of ignoring it. Default `false`. */
  readonly chmod?: boolean;
  /**
   * Emit one `file` ForceReload (no actor, attribute `reason: 'reconnect'`)
   * each time the watcher is ready again after a reconnection: the protocol
   * has no replay, so changes made while the connection was down are lost,
   * and the consumer should re-list. Never on the first connection. Default
   * `true`.
   */
  readonly reloadOnReconnect?: boolean;
  /**
   * Builds the watcher for each subscription. Default `createNotifyWatcher`
   * (remote, or local when the fs type is `fs`).
   */
  readonly createWatcher?: (options: JfsWatcherOptions) => NotifyWatcher;
  /**
   * Resuming across restarts: the protocol has no position to resume from,
   * so with a checkpoint store (the queue's journal) the source emits one
   * ForceReload (`reason: 'resume'`) when it is first ready after a restart
   * (not on the very first start, which knows of nothing before). Default none.
   */
  readonly checkpoint?: CheckpointStore;
  /** The checkpoint's name. Default `'jfs'`. */
  readonly checkpointName?: string;
}

/** The defaults of the options {@link JfsSourceOptions} adds to the watcher's. */
export const DEFAULT_JFS_SOURCE_OPTIONS = Object.freeze({
  chmod: false,
  reloadOnReconnect: true,
  createWatcher: createNotifyWatcher as (options: JfsWatcherOptions) => NotifyWatcher,
});

/** {@link JfsSourceOptions} validated: the source's own options, and those for its watchers. */
export interface ResolvedJfsSourceOptions {
  readonly chmod: boolean;
  readonly reloadOnReconnect: boolean;
  readonly createWatcher: (options: JfsWatcherOptions) => NotifyWatcher;
  readonly checkpoint: CheckpointStore | null;
  readonly checkpointName: string;
  /** What each subscription's watcher is built with (as given: the watcher resolves them). */
  readonly watcherOptions: JfsWatcherOptions;
}

const sourceOnly = optionNames({
  chmod: true,
  reloadOnReconnect: true,
  createWatcher: true,
  checkpoint: true,
  checkpointName: true,
} satisfies Record<Exclude<keyof JfsSourceOptions, keyof JfsWatcherOptions>, true>);

/**
 * Validates {@link JfsSourceOptions} (the watcher's too, at once) and fills the defaults.
 *
 * @throws OptionsError naming the bad option; the watcher's errors for bad watcher options.
 */
export function resolveJfsSourceOptions(options: JfsSourceOptions): ResolvedJfsSourceOptions {
  if (options === null || typeof options !== 'object') {
    throw new OptionsError('options', options, 'an options object');
  }
  rejectUnknownOptions(options, [...jfsWatcherOptionNames, ...sourceOnly]);
  const d = DEFAULT_JFS_SOURCE_OPTIONS;
  const {
    chmod = d.chmod,
    reloadOnReconnect = d.reloadOnReconnect,
    checkpoint,
    checkpointName = 'jfs',
    ...rest
  } = options;
  if (typeof chmod !== 'boolean') throw new OptionsError('chmod', chmod, 'true or false');
  if (typeof reloadOnReconnect !== 'boolean') {
    throw new OptionsError('reloadOnReconnect', reloadOnReconnect, 'true or false');
  }
  const createWatcher = resolveFunction<(options: JfsWatcherOptions) => NotifyWatcher>(
    'createWatcher',
    rest.createWatcher ?? d.createWatcher,
    '(options) => NotifyWatcher',
  );
  const { createWatcher: _, ...watcherOptions } = rest;
  const { paths } = resolveJfsWatcherOptions(watcherOptions);
  if (paths.length === 0) throw new OptionsError('paths', options.paths, 'at least one path');
  return Object.freeze({
    chmod,
    reloadOnReconnect,
    createWatcher,
    checkpoint: resolveCheckpointStore('checkpoint', checkpoint),
    checkpointName: resolveCheckpointName('checkpointName', checkpointName),
    watcherOptions,
  });
}
