import { JfsServerError } from '../errors.ts';
import type { GapReason } from '../jfs-protocol/notify-stream.ts';

/** What each {@link GapReason} means, for the log. */
const EXPLAINED: Record<GapReason, string> = {
  'daemon-start': 'a daemon (re)started: what changed while none ran is unknown',
  'daemon-overflow': "a daemon's backlog overflowed while Redis was away or refused writes",
  trimmed: 'the stream lost entries this proxy had not read (trimmed by MAXLEN, or deleted)',
  'redis-restart': 'Redis restarted and lost the stream',
  resubscribe: 'the pub/sub subscription was renewed: messages in between are lost',
  'proxy-start': 'the proxy accepted clients before its feed was reading',
};

/**
 * A gap in the proxy's feed that cannot be proven empty: every client was
 * disconnected so that it reconnects and re-lists (this project's client
 * emits a ForceReload). A warning, so that each resync is in the log with
 * its reason.
 */
export class FeedGapError extends JfsServerError {
  override readonly name = 'FeedGapError';
  override readonly code = 'BATCHWATCH_JFS_FEED_GAP';
  readonly reason: GapReason;
  /** Clients disconnected. */
  readonly clients: number;

  constructor(reason: GapReason, clients: number) {
    super(
      `resync (${reason}): ${EXPLAINED[reason]}; ${clients} client(s) disconnected so that they re-list.`,
    );
    this.reason = reason;
    this.clients = clients;
  }
}
