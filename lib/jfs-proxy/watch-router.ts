import type { JfsEvent } from '../jfs-protocol/jfs-message.ts';
import type { ProxyRegistry } from './proxy-feed.ts';
import { RecentEvents } from './recent-events.ts';

/** A client connection as the router sees it. */
export interface RoutedConnection {
  /** Delivers a node-side event whose key the connection watches. */
  deliver(event: JfsEvent): void;
  /** Disconnects the client (a resync: it reconnects and re-sends its watches). */
  destroy(): void;
}

/** How long a connection that starts watching a node path is sent that path's recent events. */
export const WATCH_CATCH_UP_MS = 1000;
/**
 * How long after it opened a connection's first watches are owed every event
 * since it opened: its WATCH may wait behind many others (500 clients
 * reconnecting to a restarted proxy) while changes it must get go by.
 */
export const OPENING_CATCH_UP_MS = 10_000;
/**
 * How long before the proxy accepted a connection its client may have seen
 * it connected (and re-listed), at most, that the proxy keeps events for:
 * under a storm of reconnections the kernel completes connections that the
 * proxy accepts only later (measured: about 1 s with 500 clients reconnecting
 * to a restarted proxy on a busy 2-core machine). The proxy measures the lag
 * of each connection (AcceptLagMeter); the default when it does not. A
 * client so gets its paths' changes from that long before it connected
 * (duplicates of what its re-list sees); a longer lag is a resync.
 */
export const ACCEPT_LAG_MS = 5000;

/**
 * The proxy's routing, without sockets or Redis: which connections watch
 * which node path, the registry kept to the paths watched by at least one
 * connection, events sent to the connections watching their key, the
 * catch-up of a path's recent events for a connection that starts watching
 * it, and the resync of every open connection after a gap.
 */
export class WatchRouter<C extends RoutedConnection> {
  readonly #registry: ProxyRegistry;
  readonly #now: () => number;
  /** node path -> the connections watching it. */
  readonly #index = new Map<string, Set<C>>();
  readonly #recent: RecentEvents;
  readonly #everWatched = new WeakMap<C, Set<string>>();
  readonly #connections = new Set<C>();
  /** When each connection opened, and since when its client may have counted it connected. */
  readonly #openedAt = new WeakMap<C, { at: number; since: number }>();
  readonly #catchUpMs: number;
  readonly #late: (connection: C) => void;
  readonly #acceptLag: () => number;

  /**
   * `late` is told of a connection whose catch-up is no longer kept (more
   * than 100,000 events of a path it watches, or OPENING_CATCH_UP_MS, went by
   * before its WATCH was processed): it has been disconnected, a resync.
   * `acceptLag`, called once as each connection is accepted, bounds how long
   * it was already connected (ms; AcceptLagMeter).
   */
  constructor(
    registry: ProxyRegistry,
    now: () => number,
    catchUpMs = WATCH_CATCH_UP_MS,
    late: (connection: C) => void = () => {},
    acceptLag: () => number = () => ACCEPT_LAG_MS,
  ) {
    this.#registry = registry;
    this.#now = now;
    this.#catchUpMs = catchUpMs;
    this.#late = late;
    this.#acceptLag = acceptLag;
    this.#recent = new RecentEvents(
      catchUpMs > 0 ? Math.max(catchUpMs, ACCEPT_LAG_MS) + OPENING_CATCH_UP_MS : 0,
      100_000,
    );
  }

  /** Node paths watched by at least one connection. */
  get watchedPaths(): number {
    return this.#index.size;
  }

  /** Every event to the connections watching its key, in order. */
  deliver(events: readonly JfsEvent[]): void {
    this.#recent.push(events, this.#now());
    for (const event of events) {
      const watching = this.#index.get(event.key);
      if (watching === undefined) continue;
      for (const connection of watching) connection.deliver(event);
    }
  }

  /**
   * `connection` now watches `nodePath`. Its first watch of a path also gets
   * the path's events of the catch-up window (its WATCH may have come the long
   * way), and within OPENING_CATCH_UP_MS of the connection's opening every
   * event since it opened (the window before it too), once the caller has
   * recorded the watch (a microtask later); never again, so that no event
   * comes twice. When that is no longer kept, the connection is resynced.
   */
  watched(connection: C, nodePath: string): void {
    let watching = this.#index.get(nodePath);
    if (watching === undefined) {
      watching = new Set();
      this.#index.set(nodePath, watching);
      this.#registry.add(nodePath);
    }
    watching.add(connection);
    const ever = this.#everWatched.get(connection) ?? new Set<string>();
    this.#everWatched.set(connection, ever);
    if (ever.has(nodePath)) return;
    ever.add(nodePath);
    queueMicrotask(() => {
      const now = this.#now();
      const opened = this.#openedAt.get(connection);
      const since =
        opened !== undefined && now - opened.at <= OPENING_CATCH_UP_MS
          ? Math.min(opened.since, now - this.#catchUpMs)
          : now - this.#catchUpMs;
      if (this.#catchUpMs > 0 && !this.#recent.covers(nodePath, since, now)) {
        connection.destroy();
        this.#late(connection);
        return;
      }
      for (const event of this.#recent.of(nodePath, now, since)) connection.deliver(event);
    });
  }

  /** `connection` no longer watches `nodePath`; the last one gone unregisters it. */
  unwatched(connection: C, nodePath: string): void {
    const watching = this.#index.get(nodePath);
    if (watching === undefined || !watching.delete(connection)) return;
    if (watching.size === 0) {
      this.#index.delete(nodePath);
      this.#registry.remove(nodePath);
    }
  }

  /** A connection was accepted. */
  opened(connection: C): void {
    this.#connections.add(connection);
    const at = this.#now();
    this.#openedAt.set(connection, {
      at,
      since: at - Math.max(this.#catchUpMs, this.#acceptLag()),
    });
  }

  /** A connection closed (after it unwatched its paths). */
  closed(connection: C): void {
    this.#connections.delete(connection);
  }

  /** The open connections. */
  get connections(): ReadonlySet<C> {
    return this.#connections;
  }

  /**
   * A gap in the feed that cannot be proven empty: every connection is
   * disconnected, the protocol's only signal; each client reconnects,
   * re-sends its watches and (this project's client) emits a ForceReload.
   */
  resync(): void {
    for (const connection of [...this.#connections]) connection.destroy();
  }
}
