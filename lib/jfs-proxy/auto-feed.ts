import createDebug from 'debug';
import type { SchedulerLike, Subscription } from 'rxjs';
import type { JfsEvent } from '../jfs-protocol/jfs-message.ts';
import { FeedChoiceWarning } from './feed-choice-errors.ts';
import { type FeedSubjects, ObservableFeed } from './feed-subjects.ts';
import type { FeedChange, ProxyFeed } from './proxy-feed.ts';

const log = createDebug('batchwatch:jfs-proxy');

/** How long a channel change waits for a stream entry before the channel is deemed alone. */
export const FEED_CHOICE_WINDOW_MS = 2000;
/** Channel changes held while undecided; past it, switching resyncs every client instead. */
const MAX_HELD = 10_000;

/** Which feed an {@link AutoFeed} reads. */
export type AutoFeedMode = 'undecided' | 'stream' | 'channel';

/** What {@link AutoFeed} needs: the two feeds it chooses between, and a clock. */
export interface AutoFeedParts {
  /** Makes the stream feed (this project's daemons write it). */
  readonly stream: () => ProxyFeed;
  /** Makes the channel feed (Go daemons publish only there; this project's daemons too). */
  readonly channel: () => ProxyFeed;
  readonly scheduler: SchedulerLike;
  /** The channel's name, for the warning. */
  readonly channelName: string;
  /** Default {@link FEED_CHOICE_WINDOW_MS}. */
  readonly windowMs?: number;
}

/**
 * The proxy's default feed (`feed: 'auto'`): the stream when a daemon writes
 * one, the channel when only Go daemons publish. It decides once, on the
 * first change it sees:
 *
 * ```
 *             ┌─ a stream entry (or a daemon's marker) ─────────► stream: the channel is closed
 *  undecided ─┤
 *             └─ a channel change, no stream entry in windowMs ─► channel: the stream is closed
 * ```
 *
 * Undecided, it reads the stream (and delivers from it) and listens to the
 * channel beside it, holding the channel's changes. The first stream entry
 * proves a daemon of this project: the held changes are dropped (the stream
 * has them) and the channel is closed, so the stream alone costs CPU. A
 * channel change with no stream entry within `windowMs` means only Go daemons
 * publish: it warns ({@link FeedChoiceWarning}), delivers the held changes
 * (nothing lost; past 10,000 held every client resyncs instead), closes the
 * stream feed and reads the channel from then on.
 *
 * What each mode keeps: the stream replays what Redis kept after a
 * disconnection and proves its gaps (see `StreamFeed`); the channel has no
 * replay, so every resubscription resyncs every client. A Go daemon started
 * beside this project's daemons after the choice is not seen (choose
 * `feed: 'pubsub'` for such a mix).
 */
export class AutoFeed extends ObservableFeed implements ProxyFeed {
  readonly #parts: AutoFeedParts;
  readonly #windowMs: number;
  #stream: ProxyFeed | null;
  #channel: ProxyFeed | null;
  #mode: AutoFeedMode = 'undecided';
  #streamReady = false;
  #channelReady = false;
  #announced = false;
  #held: JfsEvent[] = [];
  #heldOverflow = false;
  #heldMessages = 0;
  #heldCount = 0;
  /** Announces ready without the channel, `windowMs` after the stream is ready. */
  #readyTimer: Subscription | null = null;
  /** Chooses the channel, `windowMs` after its first change. */
  #choiceTimer: Subscription | null = null;
  readonly #subscriptions: Subscription[] = [];
  #closed = false;

  constructor(parts: AutoFeedParts) {
    super(() => parts.scheduler.now());
    this.#parts = parts;
    this.#windowMs = parts.windowMs ?? FEED_CHOICE_WINDOW_MS;
    const out = this.out;
    const streamOn = (): boolean => this.#mode !== 'channel';
    const channelOn = (): boolean => this.#mode === 'channel';
    const stream = parts.stream();
    this.#stream = stream;
    this.#subscriptions.push(
      stream.changes$.subscribe((change) => {
        if (!streamOn()) return;
        // A daemon's own marker is a stream entry too: a daemon of ours writes here.
        if (change.kind === 'events') this.#choose('stream');
        else if (
          change.kind === 'gap' &&
          (change.reason === 'daemon-start' || change.reason === 'daemon-overflow')
        )
          this.#choose('stream');
        forward(out, change);
      }),
      stream.status$.subscribe((status) => {
        if (!streamOn() || status.kind === 'connecting' || status.kind === 'closed') return;
        this.#streamReady = status.kind === 'ready';
        if (status.kind === 'reconnecting') out.reconnecting(status.delayMs, status.error);
        else if (this.#announced) out.ready();
        else this.#maybeReady();
      }),
      stream.warnings$.subscribe((err) => {
        if (streamOn()) out.warn(err);
      }),
    );
    const channel = parts.channel();
    this.#channel = channel;
    this.#subscriptions.push(
      channel.changes$.subscribe((change) => {
        if (change.kind === 'events') this.#onChannelEvents(change.events, change.messages);
        // Undecided, a lost subscription costs nothing: the changes held are a hint, not a feed.
        else if (channelOn()) forward(out, change);
      }),
      channel.status$.subscribe((status) => {
        if (status.kind === 'connecting' || status.kind === 'closed') return;
        if (channelOn()) {
          if (status.kind === 'reconnecting') out.reconnecting(status.delayMs, status.error);
          else out.ready();
        } else if (status.kind === 'ready' && !this.#announced) {
          this.#channelReady = true;
          this.#maybeReady();
        }
      }),
      channel.warnings$.subscribe((err) => {
        if (channelOn()) out.warn(err);
        else log('channel (listened to beside the stream): %s', err.message);
      }),
    );
  }

  /** Which feed is read: `undecided` until the first change, then `stream` or `channel`. */
  get mode(): AutoFeedMode {
    return this.#mode;
  }

  get lagMs(): number {
    return this.#mode === 'channel' ? (this.#channel?.lagMs ?? 0) : (this.#stream?.lagMs ?? 0);
  }

  pause(): void {
    this.#stream?.pause();
    this.#channel?.pause();
  }

  resume(): void {
    this.#stream?.resume();
    this.#channel?.resume();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#cancelTimers();
    this.#held = [];
    await Promise.all([this.#stream?.close(), this.#channel?.close()]);
    for (const subscription of this.#subscriptions) subscription.unsubscribe();
    this.out.close();
  }

  /**
   * Ready once the stream is read and the channel listened to, so that a change published from
   * then on is seen whichever way it comes; with the stream ready, at most `windowMs` later even
   * if the channel cannot be subscribed (an ACL without SUBSCRIBE: the stream alone then).
   */
  #maybeReady(): void {
    if (this.#announced || !this.#streamReady) return;
    if (!this.#channelReady && this.#mode === 'undecided') {
      this.#readyTimer ??= this.#parts.scheduler.schedule(() => {
        this.#readyTimer = null;
        this.#announce();
      }, this.#windowMs);
      return;
    }
    this.#announce();
  }

  #announce(): void {
    if (this.#announced || this.#closed) return;
    this.#readyTimer?.unsubscribe();
    this.#readyTimer = null;
    this.#announced = true;
    this.out.ready();
  }

  #onChannelEvents(events: readonly JfsEvent[], messages: number): void {
    if (this.#mode === 'channel') {
      this.out.events(events, messages);
      return;
    }
    if (this.#mode !== 'undecided') return;
    this.#heldCount += events.length;
    if (this.#held.length + events.length > MAX_HELD) this.#heldOverflow = true;
    else this.#held.push(...events);
    this.#heldMessages += messages;
    this.#choiceTimer ??= this.#parts.scheduler.schedule(() => {
      this.#choiceTimer = null;
      this.#choose('channel');
    }, this.#windowMs);
  }

  #choose(mode: 'stream' | 'channel'): void {
    if (this.#mode !== 'undecided' || this.#closed) return;
    this.#mode = mode;
    this.#choiceTimer?.unsubscribe();
    this.#choiceTimer = null;
    const held = this.#held;
    this.#held = [];
    if (mode === 'stream') {
      log('a stream entry came: reading the stream (the channel is closed)');
      const channel = this.#channel;
      this.#channel = null;
      void channel?.close();
      this.#announce();
      return;
    }
    const stream = this.#stream;
    this.#stream = null;
    void stream?.close();
    this.out.warn(new FeedChoiceWarning(this.#heldCount, this.#parts.channelName, this.#windowMs));
    log('no stream entry within %d ms of a channel change: reading the channel', this.#windowMs);
    this.#announce();
    if (this.#heldOverflow) this.out.gap('resubscribe');
    else if (held.length > 0) this.out.events(held, this.#heldMessages);
  }

  #cancelTimers(): void {
    this.#readyTimer?.unsubscribe();
    this.#readyTimer = null;
    this.#choiceTimer?.unsubscribe();
    this.#choiceTimer = null;
  }
}

/** Passes a change of the feed read on. */
function forward(out: FeedSubjects, change: FeedChange): void {
  if (change.kind === 'events') out.events(change.events, change.messages);
  else if (change.kind === 'gap') out.gap(change.reason);
  else out.invalid(change.count);
}
