import { Agent } from 'node:http';
import Dockerode from 'dockerode';

/** A request for dockerd's `/events` stream. */
export interface DockerEventsQuery {
  /** Docker's filters (`type`, `label`, `container`, `event`), as a map of value lists. */
  readonly filters: Readonly<Record<string, readonly string[]>>;
  /** Replay buffered events at or after this time (`<seconds>.<nanoseconds>`), then stream. */
  readonly since?: string;
  /** End the stream after this time (`<seconds>.<nanoseconds>`): with `since`, a bounded replay. */
  readonly until?: string;
  /** Aborts the request and destroys its stream. */
  readonly signal: AbortSignal;
}

/** A request for the list of running (and paused) containers. */
export interface DockerContainersQuery {
  /** Docker's filters for `/containers/json` (`label`). */
  readonly filters: Readonly<Record<string, readonly string[]>>;
  readonly signal: AbortSignal;
}

/** The fields of a container list entry that the Docker source reads. */
export interface DockerContainerSummary {
  readonly Id: string;
  /** With the leading slash, as the API lists them. */
  readonly Names: readonly string[];
  readonly Labels?: Readonly<Record<string, string>> | null;
  readonly Image?: string;
  /** `running`, `paused`... */
  readonly State: string;
}

/**
 * What the Docker source needs from a Docker client: the events stream and the container list.
 * {@link dockerClient} adapts dockerode; tests and other clients implement it directly.
 */
export interface DockerClient {
  /** Opens `/events`; resolves once the daemon answered with the response headers. */
  events(query: DockerEventsQuery): Promise<NodeJS.ReadableStream>;
  /** Lists running and paused containers. */
  containers(query: DockerContainersQuery): Promise<readonly DockerContainerSummary[]>;
}

/**
 * dockerode's connection options (`new Dockerode(options)`): `{ socketPath }`, `{ host, port }`,
 * TLS material. Declared here, not taken from `@types/dockerode`, so that batchwatch's types
 * compile without dockerode's.
 */
export interface DockerConnectionOptions {
  readonly socketPath?: string;
  readonly host?: string;
  readonly port?: number | string;
  readonly protocol?: 'https' | 'http' | 'ssh';
  readonly username?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly ca?: string | string[] | Buffer | Buffer[];
  readonly cert?: string | string[] | Buffer | Buffer[];
  readonly key?: string | string[] | Buffer | Buffer[];
  /** Milliseconds before a request times out. Default: none. */
  readonly timeout?: number;
  /** The API version (`v1.43`). Default: the daemon's. */
  readonly version?: string;
  readonly sshAuthAgent?: string;
}

/** The two methods of a dockerode instance that {@link dockerClient} calls; any `Dockerode` has them. */
export interface DockerodeLike {
  getEvents(options: {
    filters: string;
    since?: number;
    until?: number;
    abortSignal: AbortSignal;
  }): Promise<NodeJS.ReadableStream>;
  listContainers(options: {
    filters: string;
    abortSignal: AbortSignal;
  }): Promise<readonly DockerContainerSummary[]>;
}

/** A dockerode instance, or dockerode's connection options. */
export type DockerConnection = DockerodeLike | DockerConnectionOptions;

/** True for a {@link DockerClient} (as opposed to a dockerode instance or options). */
export function isDockerClient(value: unknown): value is DockerClient {
  const client = value as Partial<DockerClient> | null;
  return typeof client?.events === 'function' && typeof client.containers === 'function';
}

/**
 * A {@link DockerClient} over dockerode. With no argument it connects as dockerode does by default:
 * `DOCKER_HOST` when set, else the local socket.
 */
export function dockerClient(connection: DockerConnection = {}): DockerClient {
  const docker = isDockerode(connection) ? connection : localDockerode(connection);
  return {
    events: ({ filters, since, until, signal }) =>
      docker.getEvents({
        filters: JSON.stringify(filters),
        // The API takes `<seconds>.<nanoseconds>`; dockerode types it as a number, which cannot
        // hold nanoseconds. A string goes to the query string unchanged.
        ...(since === undefined ? {} : { since: since as unknown as number }),
        ...(until === undefined ? {} : { until: until as unknown as number }),
        abortSignal: signal,
      }),
    containers: ({ filters, signal }) =>
      docker.listContainers({ filters: JSON.stringify(filters), abortSignal: signal }),
  };
}

/**
 * A dockerode of our own. On a unix socket it gets an agent without keep-alive: Node's global
 * agent would keep the socket of the container list open after the source is unsubscribed.
 */
function localDockerode(options: DockerConnectionOptions): DockerodeLike {
  const docker = new Dockerode(options);
  const modem = docker.modem as { socketPath?: unknown; agent?: unknown };
  if (modem.socketPath !== undefined && modem.agent === undefined) {
    modem.agent = new Agent({ keepAlive: false });
  }
  return docker;
}

function isDockerode(value: DockerConnection): value is DockerodeLike {
  return typeof (value as Partial<DockerodeLike>).getEvents === 'function';
}
