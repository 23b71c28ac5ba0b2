import type { DockerConnection } from '../sources/docker/docker-client.ts';
import { UsageError } from './usage-error.ts';

/**
 * The dockerode options for `--docker URL`: `unix:///path`, `tcp://host:port`,
 * `http(s)://host:port`. An empty URL leaves dockerode's default, which reads
 * `DOCKER_HOST` and falls back to the local socket.
 *
 * @throws UsageError for another scheme or a malformed URL.
 */
export function dockerConnection(url: string): DockerConnection {
  if (url === '') return {};
  const match = /^([a-z]+):\/\/(.*)$/i.exec(url);
  const scheme = match?.[1]?.toLowerCase();
  const rest = match?.[2] ?? '';
  if (scheme === 'unix' && rest.startsWith('/')) return { socketPath: rest };
  if (scheme === 'tcp' || scheme === 'http' || scheme === 'https') {
    const hostPort = /^(\[[^\]]+\]|[^:/]+)(?::(\d+))?\/?$/.exec(rest);
    if (hostPort !== null) {
      const tls = scheme === 'https';
      return {
        host: (hostPort[1] as string).replace(/^\[|\]$/g, ''),
        port: Number(hostPort[2] ?? (tls ? 2376 : 2375)),
        protocol: tls ? 'https' : 'http',
      };
    }
  }
  throw new UsageError(
    `--docker takes unix:///path/to/docker.sock, tcp://host:port or https://host:port, not "${url}".`,
  );
}
