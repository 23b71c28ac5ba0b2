// An in-memory DockerClient for unit specs: it answers with real captured lines, through real
// Node streams, and records every query. No daemon, no socket.
import { PassThrough } from 'node:stream';
import type {
  DockerClient,
  DockerContainerSummary,
  DockerContainersQuery,
  DockerEventsQuery,
} from '../../../../lib/sources/docker/docker-client.ts';

export class FakeDockerClient implements DockerClient {
  /** Every events query, in order (streams and replay checks). */
  readonly queries: DockerEventsQuery[] = [];
  /** The open-ended streams handed out, in order. */
  readonly streams: PassThrough[] = [];
  /** Errors the next `events()` calls reject with, in order. */
  readonly failures: unknown[] = [];
  /** What a replay check (`until` set) answers: the lines dockerd still buffers for `since`. */
  replay: (since: string) => readonly string[] = () => [];
  /** What `containers()` resolves to (or a promise of it). */
  list: () => Promise<readonly DockerContainerSummary[]> = async () => [];

  events(query: DockerEventsQuery): Promise<NodeJS.ReadableStream> {
    this.queries.push(query);
    const failure = this.failures.shift();
    if (failure !== undefined) return Promise.reject(failure);
    const stream = new PassThrough();
    query.signal.addEventListener('abort', () => stream.destroy(new Error('aborted')), {
      once: true,
    });
    if (query.until !== undefined) {
      const lines = this.replay(query.since as string);
      stream.end(lines.map((line) => `${line}\n`).join(''));
    } else {
      this.streams.push(stream);
    }
    return Promise.resolve(stream);
  }

  containers(_query: DockerContainersQuery): Promise<readonly DockerContainerSummary[]> {
    return this.list();
  }

  /** The newest open-ended stream. */
  get stream(): PassThrough {
    const stream = this.streams.at(-1);
    if (stream === undefined) throw new Error('no stream opened yet');
    return stream;
  }

  /** The open-ended stream queries (not the replay checks). */
  get streamQueries(): DockerEventsQuery[] {
    return this.queries.filter((query) => query.until === undefined);
  }
}

/** Writes lines to a stream, cut into chunks of `size` bytes regardless of line ends. */
export function writeChunked(stream: PassThrough, lines: readonly string[], size = 37): void {
  const bytes = Buffer.from(lines.map((line) => `${line}\n`).join(''));
  for (let start = 0; start < bytes.length; start += size) {
    stream.write(bytes.subarray(start, start + size));
  }
}
