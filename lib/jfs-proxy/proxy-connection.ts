import type { Socket } from 'node:net';
import type { JfsError, JfsServerError } from '../errors.ts';
import { FrameDecoder } from '../jfs-protocol/frame-decoder.ts';
import type { JfsEvent, JfsMessage } from '../jfs-protocol/jfs-message.ts';
import { MessageType, messageTypeName } from '../jfs-protocol/message-type.ts';
import { FrameTooLargeError } from '../jfs-protocol/protocol-errors.ts';
import type { WatcherClient } from './channel-watchers.ts';
import { ConnectionGuard, PartialFrameBudget, WatchBudget } from './connection-limits.ts';
import { ConnectionOutput } from './connection-output.ts';
import { ConnectionWatches } from './connection-watches.ts';
import type { ResolvedJfsProxyOptions } from './jfs-proxy-options.ts';
import { type MountClient, type PodMount, parseChannelId, podToNodePath } from './mount-table.ts';
import { type PodTarget, translateName } from './pod-name.ts';
import { UnmappedWatchError, type WatchLimit } from './proxy-errors.ts';
import type { QueueFullness } from './send-queue.ts';
import { identityRefusal, WatchRefusals } from './watch-refusals.ts';

/** What a connection needs from its proxy: the shared index of watched node paths, counters, logs. */
export interface ConnectionHost {
  readonly options: ResolvedJfsProxyOptions;
  /** Told when this connection's send queue is full and drained (the feed pauses meanwhile). */
  readonly throttle?: QueueFullness;
  /** This connection now watches `nodePath` (first channel for it). */
  watched(connection: ProxyConnection, nodePath: string): void;
  /** This connection no longer watches `nodePath`. */
  unwatched(connection: ProxyConnection, nodePath: string): void;
  count(
    counter:
      | 'framesIn'
      | 'framesOut'
      | 'eventsDelivered'
      | 'malformedFrames'
      | 'droppedClients'
      | 'refusedWatches',
    by?: number,
  ): void;
  warn(warning: JfsServerError | JfsError): void;
  log(format: string, ...args: unknown[]): void;
  closed(connection: ProxyConnection): void;
}

/**
 * One client connection of the proxy: decodes its frames, keeps its watches
 * (node path -> channel id -> pod path), translates events back to pod paths,
 * debounces writes and sends EVENT frames through a bounded queue.
 */
export class ProxyConnection {
  /** `address:port` of the client, for logs. */
  readonly remote: string;

  readonly #socket: Socket;
  readonly #host: ConnectionHost;
  readonly #decoder: FrameDecoder;
  /** node path -> channel id -> pod path, within this connection's and the proxy's bounds. */
  readonly #watches: ConnectionWatches;
  /** Mounts per channel id, as resolved at its first WATCH. */
  readonly #mounts = new Map<string, readonly PodMount[]>();
  /** Messages wait here while a mount lookup is in flight, so that they apply in order. */
  #backlog: JfsMessage[] = [];
  #busy = false;
  #closed = false;
  /** Debounce, EVENT frames and the bounded send queue (it drops a client that stops reading). */
  readonly #output: ConnectionOutput;
  /** The idle timeout, frame deadline and partial-frame budgets (see connection-limits.ts). */
  readonly #guard: ConnectionGuard;
  /** This connection as the optional `watchers` option sees it. */
  readonly #client: WatcherClient;
  /** Who asks the mount resolver: the client's IP, checked against the container's addresses. */
  readonly #peer: MountClient;
  /** Why WATCHes and CLEARs were refused: warnings, and ERROR frames to a client that asks. */
  readonly #refusals: WatchRefusals;

  /** `budget` and `paths` are shared by every connection of the proxy; fresh ones bound this connection alone. */
  constructor(
    socket: Socket,
    host: ConnectionHost,
    budget = new PartialFrameBudget(),
    paths = new WatchBudget(host.options.maxWatchedPaths),
  ) {
    this.#socket = socket;
    this.#watches = new ConnectionWatches(host.options.maxWatchesPerConnection, paths, {
      watched: (nodePath) => host.watched(this, nodePath),
      unwatched: (nodePath) => host.unwatched(this, nodePath),
    });
    this.#host = host;
    this.remote =
      socket.remoteAddress === undefined
        ? 'unix socket'
        : `${socket.remoteAddress}:${socket.remotePort}`;
    this.#peer = { address: socket.remoteAddress };
    this.#decoder = new FrameDecoder(host.options.maxFrameLength);
    this.#output = new ConnectionOutput(socket, host, this.remote);
    this.#refusals = new WatchRefusals(host, {
      remote: this.remote,
      isClosed: () => this.#closed,
      send: (frame: Buffer) => this.#output.sendFrame(frame),
    });
    this.#guard = new ConnectionGuard(host.options, budget, this.remote, socket, (error) => {
      host.warn(error);
      socket.destroy();
    });
    socket.on('close', () => this.#guard.release());
    this.#client = { remote: this.remote, warn: (warning) => host.warn(warning) };
    socket.on('data', (chunk) => this.#onData(chunk));
    socket.on('error', (err) => host.log('connection %s error: %s', this.remote, err.message));
    socket.on('close', () => this.#onClose());
  }

  /** Writes held by the debounce. */
  get debounced(): number {
    return this.#output.debounced;
  }

  /** Delivers a node-side event whose key this connection watches. */
  deliver(event: JfsEvent): void {
    const channels = this.#watches.channelsOf(event.key);
    if (channels === undefined || this.#closed) return;
    if (channels.size === 1) {
      for (const target of channels.values()) this.#deliverAs(event, target);
      return;
    }
    // Several channels of this client watch the path: each pod path once.
    const sent: string[] = [];
    for (const target of channels.values()) {
      if (sent.includes(target.podKey)) continue;
      sent.push(target.podKey);
      this.#deliverAs(event, target);
    }
  }

  #deliverAs(event: JfsEvent, target: PodTarget): void {
    const name = translateName(event, target);
    if (name !== undefined) this.#output.send({ name, op: event.op, key: target.podKey });
  }

  /** Closes the connection; its watches are dropped. */
  destroy(): void {
    this.#socket.destroy();
  }

  #onData(chunk: Buffer): void {
    const items = this.#decoder.push(chunk);
    if (!this.#guard.afterData(this.#decoder.buffered, items.length)) return;
    for (const item of items) {
      if (item instanceof Error) {
        this.#host.warn(item);
        if (item instanceof FrameTooLargeError) {
          this.#host.log('connection %s closed: %s', this.remote, item.message);
          this.#socket.destroy();
          return;
        }
        this.#host.count('malformedFrames');
        continue;
      }
      this.#host.count('framesIn');
      if (item.type === MessageType.Watch) this.#guard.watched();
      this.#backlog.push(item);
    }
    this.#drainBacklog();
  }

  #drainBacklog(): void {
    while (!this.#busy && !this.#closed && this.#backlog.length > 0) {
      const message = this.#backlog.shift() as JfsMessage;
      const pending = this.#apply(message);
      if (pending !== undefined) {
        this.#busy = true;
        void pending.then(() => {
          this.#busy = false;
          this.#drainBacklog();
        });
      }
    }
  }

  /** Applies one message; returns a promise only while a mount lookup is pending. */
  #apply(message: JfsMessage): Promise<void> | undefined {
    switch (message.type) {
      case MessageType.Watch:
      case MessageType.Unwatch: {
        const channelId = message.channelId.toLowerCase();
        const mounts = this.#mounts.get(channelId);
        if (mounts !== undefined) {
          this.#applyPaths(message.type, channelId, message.paths, mounts);
          return undefined;
        }
        const ref = parseChannelId(channelId);
        if (ref === undefined) {
          this.#refusals.unmapped(
            new UnmappedWatchError(channelId, '', 'not a namespace/pod/container/watcher id'),
          );
          return undefined;
        }
        const found = this.#host.options.mounts.mountsOf(ref, this.#peer);
        if (!(found instanceof Promise)) {
          this.#withMounts(message.type, channelId, message.paths, found);
          return undefined;
        }
        return found.then(
          (resolved) => this.#withMounts(message.type, channelId, message.paths, resolved),
          (err: unknown) => this.#refusals.lookupFailed(channelId, err, 'WATCH'),
        );
      }
      case MessageType.WantErrors:
        this.#refusals.wantErrors();
        return undefined;
      case MessageType.Clear: {
        const channelId = message.channelId.toLowerCase();
        const ref = parseChannelId(channelId);
        // A CLEAR speaks for a container too: the same identity check as a WATCH.
        if (ref === undefined || this.#mounts.has(channelId)) {
          this.#clear(channelId);
          return undefined;
        }
        const found = this.#host.options.mounts.mountsOf(ref, this.#peer);
        if (!(found instanceof Promise)) {
          this.#clear(channelId);
          return undefined;
        }
        return found.then(
          () => {
            if (!this.#closed) this.#clear(channelId);
          },
          (err: unknown) => {
            if (identityRefusal(err) !== undefined)
              this.#refusals.lookupFailed(channelId, err, 'CLEAR');
            else if (!this.#closed) this.#clear(channelId);
          },
        );
      }
      default:
        this.#host.log(
          'connection %s: %s frame ignored (unknown here)',
          this.remote,
          messageTypeName(message.type),
        );
        return undefined;
    }
  }

  #withMounts(
    type: number,
    channelId: string,
    paths: readonly string[],
    mounts: readonly PodMount[] | undefined,
  ): void {
    // A lookup that ends after the client left must not register anything (it would never be released).
    if (this.#closed) return;
    if (mounts === undefined || this.#mounts.size >= this.#host.options.maxWatchesPerConnection) {
      if (mounts !== undefined) {
        // Each channel id costs a lookup and an entry: a client cannot name them without end.
        this.#refusals.overLimit(channelId, 'maxWatchesPerConnection', paths.length);
        return;
      }
      this.#refusals.unmapped(
        new UnmappedWatchError(
          channelId,
          '',
          'no container with that namespace, pod and name is known',
          this.#host.options.mounts.unknownContainerHint,
        ),
      );
      return;
    }
    this.#mounts.set(channelId, mounts);
    this.#applyPaths(type, channelId, paths, mounts);
  }

  #applyPaths(
    type: number,
    channelId: string,
    paths: readonly string[],
    mounts: readonly PodMount[],
  ): void {
    let refused = 0;
    let limit: WatchLimit = 'maxWatchesPerConnection';
    for (const podPath of paths) {
      const nodePath = podPath === '' ? undefined : podToNodePath(podPath, mounts);
      if (nodePath === undefined) {
        if (type === MessageType.Watch) {
          this.#refusals.unmapped(
            new UnmappedWatchError(
              channelId,
              podPath,
              'it is not inside any hostPath mount of the container',
            ),
          );
        }
        continue;
      }
      if (type === MessageType.Watch) {
        const over = this.#watches.watch(nodePath, channelId, podPath);
        if (over !== undefined) {
          refused++;
          limit = over;
        } else {
          this.#host.log(
            'connection %s watches %s (%s for %s)',
            this.remote,
            nodePath,
            podPath,
            channelId,
          );
        }
      } else this.#watches.unwatch(nodePath, channelId);
    }
    if (refused > 0) this.#refusals.overLimit(channelId, limit, refused);
    this.#host.options.watchers?.pathsChanged(
      this.#client,
      channelId,
      this.#watches.pathsOf(channelId),
    );
  }

  #clear(channelId: string): void {
    this.#watches.clear(channelId);
    this.#host.options.watchers?.cleared(this.#client, channelId);
  }

  #onClose(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#output.close();
    this.#backlog = [];
    this.#watches.releaseAll();
    this.#mounts.clear();
    this.#host.options.watchers?.closed(this.#client);
    this.#host.closed(this);
  }
}
