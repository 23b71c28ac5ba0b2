import type { SchedulerLike } from 'rxjs';
import { asyncScheduler } from 'rxjs/internal/scheduler/async';
import { exponentialBackoff, type RetryPolicy } from '../../backoff.ts';
import { readRenamedOption } from '../../deprecated-option.ts';
import { OptionsError } from '../../errors.ts';
import { type Action, isAction } from '../../events/action.ts';
import { dockerActionMap } from '../../events/docker-action-map.ts';
import {
  type CheckpointStore,
  resolveCheckpointName,
  resolveCheckpointStore,
} from '../../journal/checkpoint-store.ts';
import {
  optionNames,
  rejectUnknownOptions,
  resolveFunction,
  resolveOneOf,
  resolveScheduler,
} from '../../options.ts';
import {
  type DockerClient,
  type DockerConnection,
  dockerClient,
  isDockerClient,
} from './docker-client.ts';

/** What the Docker source emits after its first connection. */
export const InitialState = {
  /** Nothing: only changes from now on. */
  None: 'none',
  /** One ForceReload: the consumer lists containers itself. */
  ForceReload: 'force-reload',
  /** A start event (pause, when paused) per running container, marked `initial: true`. */
  Containers: 'containers',
} as const;

/** One of the {@link InitialState} values. */
export type InitialState = (typeof InitialState)[keyof typeof InitialState];

/** Options of {@link dockerSource}. */
export interface DockerSourceOptions {
  /**
   * Where dockerd is: a dockerode instance, dockerode's options (`{ socketPath }`, `{ host, port }`),
   * or any {@link DockerClient}. Default: dockerode's default, which honours `DOCKER_HOST` and
   * falls back to the local socket.
   */
  readonly docker?: DockerConnection | DockerClient;
  /** Only containers with one of these labels (`key` or `key=value`), filtered by the daemon. Default: all. */
  readonly labels?: readonly string[];
  /** Only these containers, by name or id (a prefix matches), filtered by the daemon. Default: all. */
  readonly containers?: readonly string[];
  /** Only these Docker actions (`start`, `die`...), filtered by the daemon. Default: all. */
  readonly events?: readonly string[];
  /**
   * Docker action to {@link Action}. Actions it does not name are dropped (and counted as
   * `unmapped`); add entries to pass them through, e.g.
   * `{ ...dockerActionMap, restart: Action.ContainerStart }`. A key without a colon also matches
   * the actions it prefixes (`health_status` matches `health_status: healthy`). Default:
   * `dockerActionMap`.
   */
  readonly actionMap?: Readonly<Record<string, Action>>;
  /**
   * What to emit after the first connection: `'none'`, one `'force-reload'`, or `'containers'` (a
   * start per running container, from a list taken after the stream is open, so that no change
   * falls between the two). Default `'none'`.
   */
  readonly initialState?: InitialState;
  /**
   * Delay before reconnect number `attempt` (from 1) after the stream ends or fails, in ms; `null`
   * gives up (the source errors). Reset by every successful connection. Default:
   * `exponentialBackoff()`: 1 s doubling up to 30 s, 20% jitter, never gives up.
   */
  readonly retry?: RetryPolicy;
  /** @deprecated Renamed `retry` (same meaning); giving both is an error. */
  readonly reconnect?: RetryPolicy;
  /** Where the reconnect timer runs and `ready` times come from. Default: rxjs `asyncScheduler`. */
  readonly scheduler?: SchedulerLike;
  /**
   * Resumes across restarts: the newest event's time (and the events seen at
   * it) is saved there under `checkpointName` after each event; a new
   * subscription with a saved point resumes from it with `since`, as after a
   * reconnect (no initial state; a ForceReload only when the daemon no longer
   * holds that event). Give the queue's journal: the point is then committed
   * with the events it covers. Default none.
   */
  readonly checkpoint?: CheckpointStore;
  /** The checkpoint's name: one per Docker daemon sharing a journal. Default `'docker'`. */
  readonly checkpointName?: string;
}

/** {@link DockerSourceOptions} validated, with every default filled in. */
export interface ResolvedDockerSourceOptions {
  readonly client: DockerClient;
  readonly labels: readonly string[];
  readonly containers: readonly string[];
  readonly events: readonly string[];
  readonly actionMap: ReadonlyMap<string, Action>;
  readonly initialState: InitialState;
  readonly retry: RetryPolicy;
  readonly scheduler: SchedulerLike;
  readonly checkpoint: CheckpointStore | null;
  readonly checkpointName: string;
}

/** The defaults of {@link DockerSourceOptions} (`docker`: dockerode's own default). */
export const DEFAULT_DOCKER_SOURCE_OPTIONS = Object.freeze({
  labels: Object.freeze([]) as readonly string[],
  containers: Object.freeze([]) as readonly string[],
  events: Object.freeze([]) as readonly string[],
  actionMap: dockerActionMap,
  initialState: InitialState.None as InitialState,
  retry: exponentialBackoff(),
  scheduler: asyncScheduler as SchedulerLike,
  checkpointName: 'docker',
});

const names = optionNames({
  docker: true,
  labels: true,
  containers: true,
  events: true,
  actionMap: true,
  initialState: true,
  retry: true,
  reconnect: true,
  scheduler: true,
  checkpoint: true,
  checkpointName: true,
} satisfies Record<keyof DockerSourceOptions, true>);

/** Validates and completes {@link DockerSourceOptions}; throws an `OptionsError` naming a bad option. */
export function resolveDockerSourceOptions(
  options: DockerSourceOptions,
): ResolvedDockerSourceOptions {
  if (options === null || typeof options !== 'object') {
    throw new OptionsError('options', options, 'an options object');
  }
  rejectUnknownOptions(options, names);
  const defaults = DEFAULT_DOCKER_SOURCE_OPTIONS;
  const { docker } = options;
  if (docker !== undefined && (docker === null || typeof docker !== 'object')) {
    throw new OptionsError(
      'docker',
      docker,
      'a dockerode instance, dockerode options or a DockerClient',
    );
  }
  return Object.freeze({
    client: isDockerClient(docker) ? docker : dockerClient(docker),
    labels: stringList('labels', options.labels ?? defaults.labels),
    containers: stringList('containers', options.containers ?? defaults.containers),
    events: stringList('events', options.events ?? defaults.events),
    actionMap: actionMap(options.actionMap ?? defaults.actionMap),
    initialState: resolveOneOf(
      'initialState',
      options.initialState ?? defaults.initialState,
      InitialState,
    ),
    retry: resolveFunction<RetryPolicy>(
      options.reconnect === undefined ? 'retry' : 'reconnect',
      readRenamedOption(options, 'retry', 'reconnect') ?? defaults.retry,
      '(attempt) => ms | null',
    ),
    scheduler: resolveScheduler('scheduler', options.scheduler ?? defaults.scheduler),
    checkpoint: resolveCheckpointStore('checkpoint', options.checkpoint),
    checkpointName: resolveCheckpointName(
      'checkpointName',
      options.checkpointName ?? defaults.checkpointName,
    ),
  });
}

function stringList(option: string, value: unknown): readonly string[] {
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string' && item !== '')) {
    throw new OptionsError(option, value, 'an array of non-empty strings');
  }
  return Object.freeze([...value]);
}

function actionMap(value: unknown): ReadonlyMap<string, Action> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new OptionsError('actionMap', value, 'an object { dockerAction: Action }');
  }
  const map = new Map<string, Action>();
  for (const [key, action] of Object.entries(value)) {
    if (!isAction(action)) {
      throw new OptionsError(`actionMap.${key}`, action, 'one of the Action values');
    }
    map.set(key, action);
  }
  return map;
}
