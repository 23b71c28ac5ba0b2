import { JfsServerError } from '../errors.ts';

/**
 * The proxy's `auto` feed saw changes on the pub/sub channel and no stream
 * entry: only Go daemons publish here, so it now reads the channel. A
 * warning: it says what that mode cannot do.
 */
export class FeedChoiceWarning extends JfsServerError {
  override readonly name = 'FeedChoiceWarning';
  override readonly code = 'BATCHWATCH_JFS_FEED_CHOICE';
  /** Channel changes seen while no stream entry came (delivered, unless past the hold limit). */
  readonly changes: number;

  constructor(changes: number, channel: string, waitedMs: number) {
    super(
      `${changes} change(s) on the channel ${channel} and no stream entry within ${waitedMs} ms: ` +
        'only Go daemons publish here, so the proxy now reads the channel (pub/sub mode). Pub/sub ' +
        'keeps nothing while the proxy is away: each reconnection to Redis resyncs every client ' +
        "and replays no change. Run this project's daemon (it writes the stream) to get replay, " +
        'or pass --feed pubsub (feed: "pubsub") to start in this mode.',
    );
    this.changes = changes;
  }
}
