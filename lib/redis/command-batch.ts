import { Command, type Redis } from 'ioredis';

/** One command of a {@link CommandBatch}: its name, arguments, and whether its reply stays Buffers. */
export interface BatchCommand {
  readonly name: string;
  readonly args: readonly (string | number | Buffer)[];
  /** The reply as Buffers (no string made); default false: strings, as ioredis gives them. */
  readonly buffers?: boolean;
}

/** A command's outcome, as `pipeline.exec()` gives it: an error, or the reply. */
export type BatchReply = [error: Error | null, reply: unknown];

interface Pending {
  /** Per command: whether its reply stays Buffers. */
  readonly buffers: readonly boolean[];
  readonly replies: BatchReply[];
  left: number;
  readonly resolve: (replies: BatchReply[]) => void;
}

/**
 * Sends a few commands in one write (as a pipeline does) and hands their
 * replies over through this one long-lived object, not through a promise of
 * each command: what a read returns is then garbage as soon as it is used.
 *
 * Why: ioredis resolves each command's own promise with its reply, and a
 * command that was waiting for its reply when the young generation was
 * collected twice (a blocking read, or the parse of a large reply) lives on
 * in the old generation until a full collection, holding that reply, which
 * is then promoted too. Reading 100,000 stream entries 1,000 at a time
 * through `xreadBuffer` so promoted about 85 MB that only a full collection
 * freed (the proxy's burst peak, issue 26); through a batch, about 8 MB
 * (measured with `node --trace-gc-nvp`, same machine, same stream).
 *
 * One batch at a time. A reconnection resends what was not answered (as
 * ioredis does for any command); a connection closed for good answers each
 * command with its error.
 */
export class CommandBatch {
  readonly #redis: Redis;
  #pending: Pending | null = null;
  readonly #onReply = (reply: unknown): void => this.#settle(null, reply);
  readonly #onError = (error: Error): void => this.#settle(error, null);

  constructor(redis: Redis) {
    this.#redis = redis;
  }

  /** Sends `commands` in one write; resolves with their outcomes, in order. Never rejects. */
  send(commands: readonly BatchCommand[]): Promise<BatchReply[]> {
    if (this.#pending !== null) {
      return Promise.resolve(
        commands.map((): BatchReply => [new Error('a command batch is already in flight'), null]),
      );
    }
    if (commands.length === 0) return Promise.resolve([]);
    return new Promise((resolve) => {
      const buffers = commands.map((command) => command.buffers === true);
      this.#pending = { buffers, replies: [], left: commands.length, resolve };
      // One write for them all (a socket write each otherwise: a system call each).
      const stream = this.#redis.stream as { cork?: () => void; uncork?: () => void } | undefined;
      stream?.cork?.();
      try {
        for (const { name, args } of commands) {
          // Its own resolve is replaced, and with it ioredis's decoding: `#settle` decodes.
          const command = new Command(name, [...args], { replyEncoding: null });
          command.resolve = this.#onReply;
          command.reject = this.#onError;
          void this.#redis.sendCommand(command);
        }
      } finally {
        stream?.uncork?.();
      }
    });
  }

  #settle(error: Error | null, reply: unknown): void {
    const pending = this.#pending;
    if (pending === null) return;
    const buffers = pending.buffers[pending.replies.length] === true;
    pending.replies.push([error, buffers || error !== null ? reply : decoded(reply)]);
    if (--pending.left > 0) return;
    this.#pending = null;
    pending.resolve(pending.replies);
  }
}

/** A reply with its Buffers as UTF-8 strings, as ioredis gives a command's reply by default. */
function decoded(reply: unknown): unknown {
  if (Buffer.isBuffer(reply)) return reply.toString();
  return Array.isArray(reply) ? reply.map(decoded) : reply;
}
