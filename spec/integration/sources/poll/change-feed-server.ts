import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** One change of the feed, as the server sends it. */
export interface FeedChange {
  readonly revision: string;
  readonly key: string;
  readonly op: 'put' | 'delete';
}

/** A request the server received, and what became of it. */
export interface FeedRequest {
  readonly since: string | null;
  /** 'answered', 'failed', or 'aborted' when the client went away before the answer. */
  outcome: 'pending' | 'answered' | 'failed' | 'aborted';
}

/**
 * A small real change-feed server on an ephemeral port, etcd-style:
 * `GET /changes?since=<rev>` answers `{ events, currentRevision,
 * compactRevision }` with the changes after `since` (none when `since` is
 * absent). It can compact its history, fail requests, answer late and page.
 */
export class ChangeFeedServer {
  readonly requests: FeedRequest[] = [];
  /** Answer this many ms late. */
  delayMs = 0;
  /** At most this many changes per answer. */
  pageSize = Number.POSITIVE_INFINITY;
  #changes: FeedChange[] = [];
  #current = 0n;
  #compact = 0n;
  #failures: number[] = [];
  readonly #sockets = new Set<Socket>();
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #server = createServer((request, response) => this.#handle(request, response));

  /** Starts listening on 127.0.0.1, on a port the system chooses. */
  async listen(): Promise<string> {
    this.#server.on('connection', (socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
    });
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    const { port } = this.#server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  /** The newest revision. */
  get currentRevision(): string {
    return this.#current.toString();
  }

  /** Open client connections. */
  get connections(): number {
    return this.#sockets.size;
  }

  /** Records `put`s of the given keys, one revision each. */
  put(...keys: string[]): void {
    for (const key of keys) {
      this.#current++;
      this.#changes.push({ revision: this.#current.toString(), key, op: 'put' });
    }
  }

  /** Forgets the history up to and including `revision`. */
  compact(revision: number): void {
    this.#compact = BigInt(revision);
    this.#changes = this.#changes.filter((change) => BigInt(change.revision) > this.#compact);
  }

  /** The next `count` requests answer with `status`. */
  fail(count: number, status = 503): void {
    for (let i = 0; i < count; i++) this.#failures.push(status);
  }

  /** Every key as of now: what a client re-lists after a compaction. */
  snapshot(): string[] {
    return [...new Set(this.#changes.map((change) => change.key))];
  }

  async close(): Promise<void> {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#server.closeAllConnections();
    await new Promise<void>((resolve, reject) =>
      this.#server.close((err) => (err === undefined ? resolve() : reject(err))),
    );
  }

  #handle(request: IncomingMessage, response: ServerResponse): void {
    const url = new URL(request.url ?? '/', 'http://feed');
    const record: FeedRequest = { since: url.searchParams.get('since'), outcome: 'pending' };
    this.requests.push(record);
    response.on('close', () => {
      if (record.outcome === 'pending') record.outcome = 'aborted';
    });
    const answer = (): void => {
      if (record.outcome !== 'pending') return;
      const status = this.#failures.shift();
      if (status !== undefined) {
        record.outcome = 'failed';
        response.writeHead(status, { 'content-type': 'text/plain' }).end('unavailable');
        return;
      }
      record.outcome = 'answered';
      const since = record.since === null ? this.#current : BigInt(record.since);
      const events = this.#changes
        .filter((change) => BigInt(change.revision) > since)
        .slice(0, this.pageSize);
      const body = JSON.stringify({
        events,
        currentRevision: this.#current.toString(),
        compactRevision: this.#compact.toString(),
      });
      response.writeHead(200, { 'content-type': 'application/json' }).end(body);
    };
    if (url.pathname !== '/changes') {
      record.outcome = 'failed';
      response.writeHead(404).end();
    } else if (this.delayMs > 0) {
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        answer();
      }, this.delayMs);
      this.#timers.add(timer);
    } else {
      answer();
    }
  }
}

/** A `fetch` for pollSource over HTTP, as a user would write it. */
export function httpFetch(base: string) {
  return async ({
    sinceRevision,
    signal,
  }: {
    sinceRevision: string | undefined;
    signal: AbortSignal;
  }) => {
    const query = sinceRevision === undefined ? '' : `?since=${sinceRevision}`;
    const response = await fetch(`${base}/changes${query}`, { signal });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    return (await response.json()) as {
      events: FeedChange[];
      currentRevision: string;
      compactRevision?: string;
    };
  };
}
