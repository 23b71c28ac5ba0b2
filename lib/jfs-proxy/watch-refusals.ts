import { BatchwatchError } from '../errors.ts';
import { encodeMessage } from '../jfs-protocol/encode-message.ts';
import { FIELD_SIZE } from '../jfs-protocol/field.ts';
import { MessageType } from '../jfs-protocol/message-type.ts';
import { ClientIdentityError } from './client-identity.ts';
import type { ConnectionHost } from './proxy-connection.ts';
import { UnmappedWatchError, type WatchLimit, WatchLimitError } from './proxy-errors.ts';

/** A connection's side of a refusal: who it is, and how a frame reaches its client. */
export interface RefusedClient {
  readonly remote: string;
  /** Whether the connection is gone (nothing more is sent). */
  isClosed(): boolean;
  /** Queues a frame for the client; false when it was not queued. */
  send(frame: Buffer): boolean;
}

/**
 * Why one connection's WATCHes and CLEARs were refused: a warning and a log line here, and an
 * ERROR frame to a client that asked for them with WANT_ERRORS (never to a Go client, which does
 * not ask). Identity refusals are warned once per container and kind, and get no answer, so that a
 * hostile peer learns nothing of the address rule.
 */
export class WatchRefusals {
  readonly #host: ConnectionHost;
  readonly #client: RefusedClient;
  /** Containers this client was refused for (warned once each). */
  readonly #refused = new Set<string>();
  /** Whether the client sent WANT_ERRORS. */
  #wantsErrors = false;

  constructor(host: ConnectionHost, client: RefusedClient) {
    this.#host = host;
    this.#client = client;
  }

  /** The client asked to be told why a WATCH was refused. */
  wantErrors(): void {
    this.#wantsErrors = true;
  }

  /** A mount lookup for a WATCH or CLEAR of `channelId` failed. */
  lookupFailed(channelId: string, err: unknown, kind: 'WATCH' | 'CLEAR'): void {
    const refused = identityRefusal(err);
    if (refused !== undefined) {
      this.#host.log('connection %s refused: %s', this.#client.remote, refused.message);
      // Once per container and kind on this connection: a client that insists cannot flood the log.
      const key = `${kind} ${refused.container.namespace}/${refused.container.pod}/${refused.container.container}`;
      if (this.#refused.size < 64 && !this.#refused.has(key)) {
        this.#refused.add(key);
        this.#host.warn(refused);
      }
      return;
    }
    const cause = (err as { cause?: unknown } | null)?.cause;
    const reason = cause instanceof BatchwatchError ? cause.message : (err as Error).message;
    this.unmapped(new UnmappedWatchError(channelId, '', `the mount lookup failed: ${reason}`, ''));
  }

  /** `refused` paths of a WATCH of `channelId` went past `limit`. */
  overLimit(channelId: string, limit: WatchLimit, refused: number): void {
    const { maxWatchesPerConnection, maxWatchedPaths } = this.#host.options;
    const max = limit === 'maxWatchedPaths' ? maxWatchedPaths : maxWatchesPerConnection;
    this.#host.count('refusedWatches', refused);
    const error = new WatchLimitError(this.#client.remote, channelId, limit, max, refused);
    this.#host.warn(error);
    this.#answer(channelId, '', error.message);
  }

  /** A WATCH this proxy cannot map. */
  unmapped(error: UnmappedWatchError): void {
    this.#host.warn(error);
    this.#answer(error.channelId, error.path, error.message);
  }

  #answer(channelId: string, path: string, reason: string): void {
    if (!this.#wantsErrors || this.#client.isClosed()) return;
    const frame = encodeMessage({
      type: MessageType.Error,
      channelId: fitField(channelId),
      path: fitField(path),
      reason: fitField(reason),
    });
    if (this.#client.send(frame)) this.#host.count('framesOut');
  }
}

/** The ClientIdentityError a resolver raised (as such, or as the cause of a MountLookupError). */
export function identityRefusal(err: unknown): ClientIdentityError | undefined {
  if (err instanceof ClientIdentityError) return err;
  const cause = (err as { cause?: unknown } | null)?.cause;
  return cause instanceof ClientIdentityError ? cause : undefined;
}

/** `text` cut to what one field holds (255 UTF-8 bytes), never inside a character. */
function fitField(text: string): string {
  if (Buffer.byteLength(text) <= FIELD_SIZE) return text;
  let cut = '';
  for (const char of text) {
    if (Buffer.byteLength(cut + char) > FIELD_SIZE - 3) break;
    cut += char;
  }
  return `${cut}…`;
}
