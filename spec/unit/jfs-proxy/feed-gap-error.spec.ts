// The warning a proxy gives for each resync: its reason, explained, and how many clients it cost.
import { describe, expect, it } from 'vitest';
import { JfsServerError } from '../../../lib/errors.ts';
import { gapReasons } from '../../../lib/jfs-protocol/notify-stream.ts';
import { FeedGapError } from '../../../lib/jfs-proxy/feed-gap-error.ts';

describe('FeedGapError', () => {
  it.each(gapReasons)('explains %s and counts the clients disconnected', (reason) => {
    const error = new FeedGapError(reason, 42);
    expect(error).toBeInstanceOf(JfsServerError);
    expect(error).toMatchObject({
      name: 'FeedGapError',
      code: 'BATCHWATCH_JFS_FEED_GAP',
      reason,
      clients: 42,
    });
    expect(error.message).toMatch(
      new RegExp(
        `^resync \\(${reason}\\): .{20,}; 42 client\\(s\\) disconnected so that they re-list\\.$`,
      ),
    );
  });
});
