import { parseHostPort } from '../host-port.ts';
import { redactUrl } from '../redact.ts';
import type { DockerConnection } from '../sources/docker/docker-client.ts';
import { UsageError } from './usage-error.ts';

const supported = 'unix:///path/to/docker.sock, tcp://host:port or https://host:port';

/**
 * The dockerode options for `--docker URL`: `unix:///path`, `tcp://host:port`,
 * `http(s)://host:port`. An empty URL leaves dockerode's default, which reads
 * `DOCKER_HOST` and falls back to the local socket; `DOCKER_HOST` is checked
 * first, so that `ssh://` (which dockerode would silently dial as plain TCP)
 * is refused by name.
 *
 * @throws UsageError for another scheme or a malformed URL, naming `--docker` or `DOCKER_HOST`.
 */
export function dockerConnection(
  url: string,
  env: Readonly<Record<string, string | undefined>> = {},
): DockerConnection {
  if (url === '') {
    const fromEnv = env['DOCKER_HOST'];
    if (fromEnv !== undefined && fromEnv !== '') {
      parseUrl(fromEnv, `DOCKER_HOST=${redactUrl(fromEnv)}`);
    }
    return {};
  }
  return parseUrl(url, `--docker ${redactUrl(url)}`);
}

function parseUrl(url: string, given: string): DockerConnection {
  const match = /^([a-z]+):\/\/(.*)$/i.exec(url);
  const scheme = match?.[1]?.toLowerCase();
  const rest = match?.[2] ?? '';
  if (scheme === 'unix' && rest.startsWith('/')) return { socketPath: rest };
  if (scheme === 'tcp' || scheme === 'http' || scheme === 'https') {
    const hostPort = parseHostPort(rest);
    if (
      hostPort !== null &&
      hostPort.host !== '' &&
      (hostPort.path === '' || hostPort.path === '/')
    ) {
      const tls = scheme === 'https';
      return {
        host: hostPort.host,
        port: hostPort.port ?? (tls ? 2376 : 2375),
        protocol: tls ? 'https' : 'http',
      };
    }
  }
  if (scheme === 'ssh') {
    throw new UsageError(
      `${given}: ssh:// is not supported; forward the socket (ssh -L /tmp/docker.sock:/var/run/docker.sock host) and use unix:///tmp/docker.sock.`,
    );
  }
  if (scheme !== undefined && !['unix', 'tcp', 'http', 'https'].includes(scheme)) {
    throw new UsageError(`${given}: ${scheme}:// is not supported; use ${supported}.`);
  }
  throw new UsageError(`${given}: not a Docker address; use ${supported}.`);
}
