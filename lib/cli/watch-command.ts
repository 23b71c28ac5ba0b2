import { statSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { SourceError } from '../errors.ts';
import { actionName } from '../events/action.ts';
import type { Event } from '../events/event.ts';
import type { CheckpointStore } from '../journal/checkpoint-store.ts';
import { EventQueue } from '../queue/event-queue.ts';
import type { EventQueueOptions } from '../queue/event-queue-options.ts';
import { HoldTimeoutWarning } from '../queue/hold-errors.ts';
import type { EventSource } from '../sources/event-source.ts';
import { fileSource } from '../sources/file/file-source.ts';
import { dockerConnection } from './docker-url.ts';
import { markRedelivered, openDurableWatch } from './durable-watch.ts';
import { formatBatch } from './format-batch.ts';
import { startMetrics } from './metrics-endpoint.ts';
import { importNeeding } from './optional-dependency.ts';
import type { WatchConfig } from './parse-args.ts';
import { pathProblem } from './path-problem.ts';
import { StatusReporter } from './status-reporter.ts';
import { UsageError } from './usage-error.ts';

/** What the command talks to; `process` in real use, fakes of the streams in none of our tests. */
export interface CliContext {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown; readonly isTTY?: boolean };
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Resolves when the user asks to stop (SIGINT, SIGTERM). */
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
    if (problem === 'does not exist') throw new UsageError(`no such file or directory: ${path}`);
    if (problem !== null) throw new UsageError(`${path} ${problem}.`);
  }

  const sources = await buildSources(config, cli, journal);
  const reporter = new StatusReporter({
    write: (text) => cli.stderr.write(text),
    isTTY: cli.stderr.isTTY === true,
  });
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
    const metrics = config.metricsPort === null ? null : await startMetrics(config.metricsPort);
    let failedSources = 0;
    let allFailed = (): void => {};
    const nothingLeft = new Promise<string>((resolve) => {
      allFailed = () => resolve('every source failed');
    });
    const queue = new EventQueue({
      ...(journal === null ? {} : { journal }),
      ...windowOptions(config, cli.cwd),
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

/** Builds the sources asked for, loading the Docker and JFS ones (and dockerode) only when asked. */
async function buildSources(
  config: WatchConfig,
  cli: CliContext,
  journal: CheckpointStore | null,
): Promise<EventSource[]> {
  const sources: EventSource[] = [];
  if (config.paths.length > 0) {
    const paths = config.paths.map((path) => resolve(cli.cwd, path));
    // --state-dir/--journal: a tree snapshot in the journal reports what changed while the watch was down.
    sources.push(fileSource(paths, journal === null ? {} : { checkpoint: journal }));
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
    sources.push(jfsSource({ server, paths, env: cli.env, ...checkpoint }));
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
