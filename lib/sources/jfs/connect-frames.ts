import { encodeMessage } from '../../jfs-protocol/encode-message.ts';
import { MessageType } from '../../jfs-protocol/message-type.ts';

/**
 * Paths per WATCH frame: 250 keeps a frame under 64 KiB, what every server
 * accepts, and far under the 1 MiB default cap. Several WATCH frames mean
 * the same as one.
 */
export const MAX_PATHS_PER_FRAME = 250;

/**
 * The frames a client sends on connecting: CLEAR first when `clear`, then
 * WANT_ERRORS when `wantErrors` (before any WATCH, so that the server can
 * answer each), then WATCH frames carrying every path (none when there is no
 * path).
 */
export function connectFrames(
  channelId: string,
  paths: readonly string[],
  clear: boolean,
  wantErrors = false,
): Buffer[] {
  const frames: Buffer[] = [];
  if (clear) frames.push(encodeMessage({ type: MessageType.Clear, channelId }));
  if (wantErrors) frames.push(encodeMessage({ type: MessageType.WantErrors, channelId }));
  for (let i = 0; i < paths.length; i += MAX_PATHS_PER_FRAME) {
    frames.push(
      encodeMessage({
        type: MessageType.Watch,
        channelId,
        paths: paths.slice(i, i + MAX_PATHS_PER_FRAME),
      }),
    );
  }
  return frames;
}
