import type { SchedulerLike } from 'rxjs';
import { asyncScheduler } from 'rxjs/internal/scheduler/async';
import { OptionsError } from '../../errors.ts';
import {
  type CheckpointStore,
  resolveCheckpointName,
  resolveCheckpointStore,
} from '../../journal/checkpoint-store.ts';
import type { FileMatcher } from '../../local-watcher/ignore-matcher.ts';
import {
  durationText,
  MAX_DURATION_MS,
  optionNames,
  rejectUnknownOptions,
  resolveCount,
  resolveDuration,
  resolveScheduler,
} from '../../options.ts';

export type { FileMatcher };

/** Settings of `awaitWriteFinish` (chokidar's option, with its meaning). */
export interface AwaitWriteFinishOptions {
  /** How long the size must stay the same, in ms. Default 2000. */
  readonly stabilityThreshold?: number;
  /** How often the size is checked, in ms. Default 100. */
  readonly pollInterval?: number;
}

/** Options of `fileSource()`. Those chokidar has are passed through to it. */
export interface FileSourceOptions {
  /** Paths not to watch or report, and everything under an ignored directory. Default: none. */
  readonly ignored?: FileMatcher | readonly FileMatcher[];
  /**
   * How many directory levels below each watched directory are watched
   * (0: its direct entries only). Watched single files ignore it. Default:
   * unlimited.
   */
  readonly depth?: number;
  /**
   * Poll with `stat` instead of native events: for network and other
   * filesystems where native events do not arrive, and a way around the
   * inotify watch limit, at the cost of CPU and latency. `true` polls every
   * 100 ms, a number every that many ms. Default `false`. The environment
   * variable `CHOKIDAR_USEPOLLING` overrides it.
   */
  readonly polling?: boolean | number;
  /**
   * Hold creates and writes until the file's size has stopped changing, for
   * files written in chunks (uploads, large copies). `true` uses 2000 ms /
   * 100 ms. Default `false`.
   */
  readonly awaitWriteFinish?: boolean | AwaitWriteFinishOptions;
  /**
   * Report nothing for what exists when watching starts. `false` reports a
   * FileCreated for every entry found by the initial scan, before `ready`.
   * Default `true`.
   */
  readonly ignoreInitial?: boolean;
  /**
   * How long, in ms, an unlink and an add of the same file (same device,
   * inode and birth time) may be apart to be reported as one FileRenamed.
   * A delete is reported once this window has passed without a matching add,
   * so it is also the extra latency of deletes (on top of the 100 ms for
   * which chokidar holds every unlink to spot atomic saves). 0 turns rename
   * pairing off. Default 100, or twice the polling interval when polling (a
   * rename across directories is seen when both have been polled).
   */
  readonly renameWindow?: number;
  /**
   * Report entries whose name starts with `..` and everything below them.
   * Kubernetes ConfigMap and Secret volumes are made of them: the kubelet
   * writes each update to a new `..<timestamp>` directory, renames a new
   * `..data` link over the old one and removes the old directory, so their
   * names change on every update and are gone after it; the visible names
   * (`config.yaml -> ..data/config.yaml`) are reported as written instead.
   * A `..` name given as a watched single file is always reported. Default
   * `false`.
   */
  readonly reportDotDotEntries?: boolean;
  /**
   * Where the rename window and the other hold timers run, and event times
   * come from (chokidar, where it is used, keeps its own timers). Default:
   * rxjs `asyncScheduler`.
   */
  readonly scheduler?: SchedulerLike;
  /**
   * Reports what changed while the source was not watching: a compact
   * snapshot of the trees (identity, size, mtime per path) is kept there
   * under `checkpointName`; once watching, the source walks the trees and
   * reports the differences (created, written, deleted, renamed), then keeps
   * the snapshot up to date with what it delivers. Give the queue's journal.
   * Default none (see tree-snapshot.ts, snapshot-checkpoint.ts).
   */
  readonly checkpoint?: CheckpointStore;
  /** The checkpoint's name: one per file source sharing a journal. Default `'file'`. */
  readonly checkpointName?: string;
}

/** {@link FileSourceOptions} validated, with every default filled in. */
export interface ResolvedFileSourceOptions {
  readonly ignored: readonly FileMatcher[];
  readonly depth: number;
  /** Polling interval in ms, or `null` for native events. */
  readonly polling: number | null;
  readonly awaitWriteFinish: false | Required<AwaitWriteFinishOptions>;
  readonly ignoreInitial: boolean;
  readonly renameWindow: number;
  readonly reportDotDotEntries: boolean;
  readonly scheduler: SchedulerLike;
  readonly checkpoint: CheckpointStore | null;
  readonly checkpointName: string;
}

/**
 * The defaults of {@link FileSourceOptions}. `renameWindow` is 100 ms with
 * native events, twice the polling interval (at least 100 ms) when polling.
 */
export const DEFAULT_FILE_SOURCE_OPTIONS = Object.freeze({
  ignored: Object.freeze([]) as readonly FileMatcher[],
  depth: Number.POSITIVE_INFINITY,
  polling: false as boolean | number,
  awaitWriteFinish: false as boolean | AwaitWriteFinishOptions,
  ignoreInitial: true,
  renameWindow: 100,
  reportDotDotEntries: false,
  scheduler: asyncScheduler as SchedulerLike,
  checkpointName: 'file',
  /** The interval of `polling: true`, in ms. */
  pollingInterval: 100,
  /** What `awaitWriteFinish: true` means. */
  awaitWriteFinishSettings: Object.freeze({ stabilityThreshold: 2000, pollInterval: 100 }),
});

const names = optionNames({
  ignored: true,
  depth: true,
  polling: true,
  awaitWriteFinish: true,
  ignoreInitial: true,
  renameWindow: true,
  reportDotDotEntries: true,
  scheduler: true,
  checkpoint: true,
  checkpointName: true,
} satisfies Record<keyof FileSourceOptions, true>);

const awaitWriteFinishNames = optionNames({
  stabilityThreshold: true,
  pollInterval: true,
} satisfies Record<keyof AwaitWriteFinishOptions, true>);

/** Validates and completes {@link FileSourceOptions}; throws an `OptionsError` naming a bad option. */
export function resolveFileSourceOptions(options: FileSourceOptions): ResolvedFileSourceOptions {
  if (options === null || typeof options !== 'object') {
    throw new OptionsError('options', options, 'an options object');
  }
  rejectUnknownOptions(options, names);
  const defaults = DEFAULT_FILE_SOURCE_OPTIONS;
  const ignoredOption = options.ignored ?? defaults.ignored;
  const ignored: FileMatcher[] = Array.isArray(ignoredOption)
    ? [...ignoredOption]
    : [ignoredOption];
  for (const matcher of ignored) {
    if (
      typeof matcher !== 'string' &&
      typeof matcher !== 'function' &&
      !(matcher instanceof RegExp)
    ) {
      throw new OptionsError('ignored', matcher, 'a path, a RegExp or a function (path, stats)');
    }
  }
  const depth = resolveCount('depth', options.depth ?? defaults.depth, { infinity: true });
  const polling = options.polling ?? defaults.polling;
  if (
    typeof polling !== 'boolean' &&
    !(Number.isFinite(polling) && polling > 0 && polling <= MAX_DURATION_MS)
  ) {
    throw new OptionsError(
      'polling',
      polling,
      `true, false or ${durationText({ exclusive: true })}`,
    );
  }
  const ignoreInitial = options.ignoreInitial ?? defaults.ignoreInitial;
  if (typeof ignoreInitial !== 'boolean') {
    throw new OptionsError('ignoreInitial', ignoreInitial, 'true or false');
  }
  const interval = polling === true ? defaults.pollingInterval : polling === false ? null : polling;
  const renameWindow =
    options.renameWindow ??
    (interval === null ? defaults.renameWindow : Math.max(defaults.renameWindow, 2 * interval));
  resolveDuration('renameWindow', renameWindow);
  const reportDotDotEntries = options.reportDotDotEntries ?? defaults.reportDotDotEntries;
  if (typeof reportDotDotEntries !== 'boolean') {
    throw new OptionsError('reportDotDotEntries', reportDotDotEntries, 'true or false');
  }
  return Object.freeze({
    ignored: Object.freeze(ignored),
    depth,
    polling: interval,
    awaitWriteFinish: resolveAwaitWriteFinish(
      options.awaitWriteFinish ?? defaults.awaitWriteFinish,
    ),
    ignoreInitial,
    renameWindow,
    reportDotDotEntries,
    scheduler: resolveScheduler('scheduler', options.scheduler ?? defaults.scheduler),
    checkpoint: resolveCheckpointStore('checkpoint', options.checkpoint),
    checkpointName: resolveCheckpointName(
      'checkpointName',
      options.checkpointName ?? defaults.checkpointName,
    ),
  });
}

function resolveAwaitWriteFinish(
  value: boolean | AwaitWriteFinishOptions,
): false | Required<AwaitWriteFinishOptions> {
  if (value === false) return false;
  const settings = DEFAULT_FILE_SOURCE_OPTIONS.awaitWriteFinishSettings;
  if (value === true) return settings;
  if (value === null || typeof value !== 'object') {
    throw new OptionsError(
      'awaitWriteFinish',
      value,
      'true, false or { stabilityThreshold, pollInterval }',
    );
  }
  rejectUnknownOptions(value, awaitWriteFinishNames, 'awaitWriteFinish.');
  const stabilityThreshold = value.stabilityThreshold ?? settings.stabilityThreshold;
  const pollInterval = value.pollInterval ?? settings.pollInterval;
  for (const [name, ms] of [
    ['stabilityThreshold', stabilityThreshold],
    ['pollInterval', pollInterval],
  ] as const) {
    resolveDuration(`awaitWriteFinish.${name}`, ms, { exclusive: true });
  }
  return Object.freeze({ stabilityThreshold, pollInterval });
}
