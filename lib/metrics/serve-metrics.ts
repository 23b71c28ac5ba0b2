import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import createDebug from 'debug';
import { OptionsError } from '../errors.ts';
import { rejectUnknownOptions } from '../options.ts';
import type { MetricsRegistry } from './metrics-options.ts';

const log = createDebug('batchwatch:metrics');

/** Options of {@link serveMetrics}. */
export interface ServeMetricsOptions {
  /** The TCP port (required); 0 picks a free one (read it from `server.port`). */
  readonly port: number;
  /** The interface to listen on. Default `'127.0.0.1'`; `'0.0.0.0'` or `'::'` for every interface. */
  readonly host?: string;
}

/** {@link ServeMetricsOptions} validated, with every default filled in. */
export interface ResolvedServeMetricsOptions {
  readonly port: number;
  readonly host: string;
}

/** A running metrics endpoint, from {@link serveMetrics}. */
export interface MetricsServer extends AsyncDisposable {
  /** Where it listens: `127.0.0.1:9464`, `[::1]:9464`. */
  readonly address: string;
  /** The port it listens on (the one picked, for port 0). */
  readonly port: number;
  /** The scrape URL: `http://127.0.0.1:9464/metrics`. */
  readonly url: string;
  /** Stops listening and closes every connection, idle or not. Idempotent: the same promise every time. */
  close(): Promise<void>;
}

/** Validates and completes {@link ServeMetricsOptions}; throws an `OptionsError` naming a bad option. */
export function resolveServeMetricsOptions(
  options: ServeMetricsOptions,
): ResolvedServeMetricsOptions {
  if (options === null || typeof options !== 'object') {
    throw new OptionsError('options', options, 'an options object { port, host }');
  }
  rejectUnknownOptions(options, ['port', 'host']);
  const { port, host = '127.0.0.1' } = options;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new OptionsError('port', port, 'a TCP port from 0 to 65535');
  }
  if (typeof host !== 'string' || host === '') {
    throw new OptionsError('host', host, 'an interface address such as "127.0.0.1"');
  }
  return Object.freeze({ port, host });
}

/**
 * Serves `registry` for Prometheus over HTTP: `GET /metrics` (or `HEAD`)
 * answers `registry.metrics()` with the registry's content type; any other
 * path is a 404, any other method a 405. Resolves once it listens.
 *
 * @throws OptionsError for bad options; the listen error (`EADDRINUSE`...) when it cannot listen.
 * @example
 * const server = await serveMetrics(registry, { port: 9464 });
 * // ... later
 * await server.close();
 */
export async function serveMetrics(
  registry: MetricsRegistry,
  options: ServeMetricsOptions,
): Promise<MetricsServer> {
  if (typeof registry?.metrics !== 'function') {
    throw new OptionsError('registry', registry, 'a prom-client Registry');
  }
  const { port, host } = resolveServeMetricsOptions(options);
  const server = createServer((request, response) => answer(registry, request, response));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (err) => log('server error: %s', err.message));
  const bound = server.address();
  const boundPort = typeof bound === 'object' && bound !== null ? bound.port : port;
  const boundHost = typeof bound === 'object' && bound !== null ? bound.address : host;
  const address = `${boundHost.includes(':') ? `[${boundHost}]` : boundHost}:${boundPort}`;
  log('serving metrics on http://%s/metrics', address);
  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      // A scraper's keep-alive connection would otherwise hold the server open for seconds.
      server.closeAllConnections();
    });
    return closing;
  };
  return {
    address,
    port: boundPort,
    url: `http://${address}/metrics`,
    close,
    [Symbol.asyncDispose]: close,
  };
}

function answer(
  registry: MetricsRegistry,
  request: IncomingMessage,
  response: ServerResponse,
): void {
  const path = (request.url ?? '/').split('?', 1)[0];
  if (path !== '/metrics') {
    reply(response, 404, 'Not found: the metrics are at /metrics.\n');
    return;
  }
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.setHeader('allow', 'GET, HEAD');
    reply(response, 405, 'Method not allowed: use GET.\n');
    return;
  }
  registry.metrics().then(
    (body) => {
      response.writeHead(200, {
        'content-type': registry.contentType,
        'cache-control': 'no-store',
      });
      response.end(request.method === 'HEAD' ? undefined : body);
    },
    (err: unknown) => {
      log('collecting metrics failed: %O', err);
      const message = err instanceof Error ? err.message : String(err);
      reply(response, 500, `Collecting the metrics failed: ${message}\n`);
    },
  );
}

function reply(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  response.end(text);
}
