import { statSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { SourceError } from '../errors.ts';
import { actionName } from '../events/action.ts';
import type { Event } from '../events/event.ts';
import type { CheckpointStore } from '../journal/checkpoint-store.ts';
import type { FileMatcher } from '../local-watcher/ignore-matcher.ts';
import { EventQueue } from '../queue/event-queue.ts';
import type { EventQueueOptions } from '../queue/event-queue-options.ts';
import { HoldTimeoutWarning } from '../queue/hold-errors.ts';
import type { EventSource } from '../sources/event-source.ts';
import { fileSource } from '../sources/file/file-source.ts';
import { didYouMean } from './did-you-mean.ts';
import { dockerConnection } from './docker-url.ts';
import { markRedelivered, openDurableWatch } from './durable-watch.ts';
import { formatBatch } from './format-batch.ts';
import { ignoredUnder, ignoreGlobs, keeping } from './ignore-globs.ts';
import { startMetrics } from './metrics-endpoint.ts';
import { importNeeding } from './optional-dependency.ts';
import type { WatchConfig } from './parse-args.ts';
import { pathProblem } from './path-problem.ts';
import { StatusReporter } from './status-reporter.ts';
import { countTree } from './tree-count.ts';
import { UsageError } from './usage-error.ts';

/** What the command talks to; `process` in real use, fakes of the streams in none of our tests. */
export interface CliContext {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: {
    write(text: string): unknown;
    readonly isTTY?: boolean;
    /** The terminal's width, when it is one. */
    readonly columns?: number;
  };
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Resolves when the user asks to stop (SIGINT, SIGTERM, SIGHUP). */
  readonly stopRequested: Promise<string>;
  /** Called once the command serves: V8 gets its defaults back (see lean-startup.ts). */
  readonly serving: () => void;
}

/**
 * `batchwatch watch`: watches the configured sources, prints every flushed
 * batch, and on a stop request drains the queue, prints a summary and
 * resolves with the exit code.
 *
 * @throws UsageError for a path that does not exist.
 */
export async function runWatch(config: WatchConfig, cli: CliContext): Promise<number> {
  // --state-dir or --journal: the journal (and --dead-letters, which lists and exits; --replay).
  const durable = await openDurableWatch(config, cli);
  if (durable.exitCode !== null) return durable.exitCode;
  const journal = durable.journal;
  for (const path of config.paths) {
    const problem = pathProblem(resolve(cli.cwd, path));
    if (problem === 'does not exist') {
      const command = path === config.paths[0] ? didYouMean(path) : null;
      throw new UsageError(
        command === null
          ? `no such file or directory: ${path}`
          : `no command or path "${path}": did you mean ${command}? (see batchwatch --help)`,
      );
    }
    if (problem !== null) throw new UsageError(`${path} ${problem}.`);
  }

  const roots = config.paths.map((path) => resolve(cli.cwd, path));
  const window = windowOptions(config, cli.cwd);
  const globs = ignoreGlobs(config.ignore, config.defaultIgnores, cli.cwd);
  // A --hold-while file is watched even under an ignored directory (.git/index.lock).
  const kept = Array.isArray(window.holdWhile) ? window.holdWhile : [];
  const ignored = keeping(ignoredUnder(globs, roots), kept);
  // fileSource reads the globs with its own matcher; only an exception for a --hold-while file
  // under an ignored directory needs a function (the same rules, built on that matcher).
  const sourceIgnored = kept.length === 0 ? globs : [(path: string) => ignored(path)];
  const sources = await buildSources(config, cli, roots, sourceIgnored, journal);
  const reporter = new StatusReporter(
    {
      write: (text) => cli.stderr.write(text),
      isTTY: cli.stderr.isTTY === true,
      get columns() {
        return cli.stderr.columns;
      },
    },
    { describeReady: () => describeWatched(sources, roots, ignored) },
  );
  // Closed on every way out: its progress redraw is a timer.
  try {
    const perAction = new Map<string, number>();
    let batchNo = 0;
    const print = (batch: readonly Event[]): void => {
      batchNo++;
      for (const event of batch) {
        const name = `${event.type} ${actionName(event.action)}`;
        perAction.set(name, (perAction.get(name) ?? 0) + 1);
      }
      reporter.clear();
      const text = formatBatch(batch, batchNo, config.format, new Date());
      cli.stdout.write(
        journal === null ? text : markRedelivered(text, batch, config.format === 'json'),
      );
      reporter.redraw();
    };
    const metrics =
      config.metricsPort === null
        ? null
        : await startMetrics(config.metricsPort, config.metricsHost);
    let failedSources = 0;
    let allFailed = (): void => {};
    const nothingLeft = new Promise<string>((resolve) => {
      allFailed = () => resolve('every source failed');
    });
    const queue = new EventQueue({
      ...(journal === null ? {} : { journal }),
      ...window,
      coalesce: config.coalesce,
      onFlush: metrics === null ? print : metrics.instrument(print),
      // The status reporter prints each source's warnings (with its name) once; not again as errors.
      onWarning: () => {},
      onError: (error) => {
        const kind = error instanceof HoldTimeoutWarning ? 'warning' : 'error';
        reporter.message(`${kind}: ${error.message}`);
        // A source that failed is gone: with none left, nothing could ever arrive.
        if (error instanceof SourceError && ++failedSources === sources.length) allFailed();
      },
    });
    for (const source of sources) reporter.follow(source);
    if (metrics !== null) {
      metrics.watchQueue(queue, sources);
      reporter.message(`metrics on ${metrics.url}`);
    }
    queue.start(...sources);
    cli.serving();

    const signal = await Promise.race([cli.stopRequested, nothingLeft]);
    reporter.message(`${signal}: flushing and stopping`);
    await queue.drain();
    await journal?.close();
    await metrics?.close();
    reporter.close();
    const stats = queue.stats();
    const actions = [...perAction].map(([name, count]) => `${name}: ${count}`).join(', ');
    cli.stderr.write(
      `batchwatch: ${stats.received} event(s) received, ${stats.flushed} in ${stats.batches} batch(es)` +
        `${actions === '' ? '' : ` (${actions})`}` +
        `${stats.coalesced > 0 ? `, ${stats.coalesced} coalesced` : ''}` +
        `${stats.dropped > 0 ? `, ${stats.dropped} dropped` : ''}\n`,
    );
    return failedSources === sources.length ? 2 : 0;
  } finally {
    reporter.close();
  }
}

/** What the `ready:` line names: the local tree's size, then the other sources. */
async function describeWatched(
  sources: readonly EventSource[],
  roots: readonly string[],
  ignored: (path: string) => boolean,
): Promise<string> {
  const parts: string[] = [];
  for (const source of sources) {
    if (source.name !== 'file') {
      parts.push(source.name);
      continue;
    }
    const { directories, files } = await countTree(roots, ignored);
    const fileCount = plural(files, 'file', 'files');
    // Single files only (watched through their directories): no directory count to give.
    parts.push(
      directories === 0
        ? fileCount
        : `${plural(directories, 'directory', 'directories')} (${fileCount})`,
    );
  }
  return parts.join(', ');
}

function plural(count: number, one: string, many: string): string {
  return `${count.toLocaleString('en-US')} ${count === 1 ? one : many}`;
}

/** Builds the sources asked for, loading the Docker and JFS ones (and dockerode) only when asked. */
async function buildSources(
  config: WatchConfig,
  cli: CliContext,
  roots: readonly string[],
  ignored: readonly FileMatcher[],
  journal: CheckpointStore | null,
): Promise<EventSource[]> {
  const sources: EventSource[] = [];
  if (roots.length > 0) {
    // --state-dir/--journal: a tree snapshot in the journal reports what changed while the watch was down.
    sources.push(
      fileSource(roots, {
        ignored,
        ...(journal === null ? {} : { checkpoint: journal }),
      }),
    );
  }
  if (config.docker !== null) {
    const connection = dockerConnection(config.docker, cli.env);
    const { dockerSource } = await importNeeding(
      () => import('../sources/docker/docker-source.ts'),
      'dockerode',
      '--docker',
    );
    // --state-dir/--journal: Docker resumes from the last event it delivered (a checkpoint in the journal).
    sources.push(
      dockerSource({ docker: connection, ...(journal === null ? {} : { checkpoint: journal }) }),
    );
  }
  if (config.jfs !== null) {
    const { jfsSource } = await import('../sources/jfs/jfs-source.ts');
    const { server, paths } = config.jfs;
    // --state-dir/--journal: JFS has no position; restarted, it reports a ForceReload.
    const checkpoint = journal === null ? {} : { checkpoint: journal };
    sources.push(
      jfsSource({
        server,
        paths,
        env: cli.env,
        // A proxy that cannot map a path says so, and the status reporter prints it.
        reportRefusals: true,
        ...config.jfs.pod,
        ...checkpoint,
      }),
    );
  }
  return sources;
}

/**
 * How batches close: `--interval`'s fixed window, or `--settle`/`--max-wait`;
 * `--hold-while` paths made absolute, a relative one looked for in each watched
 * directory (a watched file's own directory), or the current one with none.
 */
function windowOptions(config: WatchConfig, cwd: string): EventQueueOptions {
  const window = config.settle ?? { flushInterval: config.interval };
  const relative = config.holdWhile ?? [];
  if (relative.length === 0) return window;
  const dirs = config.paths.map((path) => {
    const absolute = resolve(cwd, path);
    return statSync(absolute, { throwIfNoEntry: false })?.isDirectory() === false
      ? dirname(absolute)
      : absolute;
  });
  const holdWhile = relative.flatMap((path) =>
    isAbsolute(path) ? [path] : (dirs.length === 0 ? [cwd] : dirs).map((dir) => resolve(dir, path)),
  );
  return {
    ...window,
    holdWhile: [...new Set(holdWhile)],
    ...(config.maxHold === undefined ? {} : { maxHold: config.maxHold }),
  };
}
