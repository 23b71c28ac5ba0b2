// ERROR and WANT_ERRORS: how this project's proxy tells its own clients (and only those that ask)
// why a WATCH was refused. Go's parts never send either.
import { describe, expect, it } from 'vitest';
import { decodePayload } from '../../../lib/jfs-protocol/decode-payload.ts';
import { encodeFrame, encodeMessage } from '../../../lib/jfs-protocol/encode-message.ts';
import { FIELD_SIZE } from '../../../lib/jfs-protocol/field.ts';
import { MessageType, messageTypeName } from '../../../lib/jfs-protocol/message-type.ts';
import { MalformedFrameError } from '../../../lib/jfs-protocol/protocol-errors.ts';

const payload = (frame: Buffer): Buffer => frame.subarray(4);

describe('ERROR and WANT_ERRORS frames', () => {
  it('round-trip: ERROR carries a channel id, a path and a reason, one field each', () => {
    const message = {
      type: MessageType.Error,
      channelId: 'ns/web-0/app/w',
      path: '/etc',
      reason: 'not inside any hostPath mount',
    } as const;
    const frame = encodeMessage(message);
    expect(frame.length).toBe(8 + 3 * FIELD_SIZE);
    expect(decodePayload(payload(frame))).toEqual(message);
    expect(messageTypeName(MessageType.Error)).toBe('ERROR');
  });

  it('round-trip: WANT_ERRORS (type 7) carries a channel id alone', () => {
    const message = { type: MessageType.WantErrors, channelId: 'ns/web-0/app/w' } as const;
    const frame = encodeMessage(message);
    expect(frame.readUInt32BE(4)).toBe(7);
    expect(decodePayload(payload(frame))).toEqual(message);
    expect(messageTypeName(7)).toBe('WANT_ERRORS');
  });

  it('reports an ERROR with fewer than three fields as malformed', () => {
    const decoded = decodePayload(payload(encodeFrame(MessageType.Error, new Uint8Array(510))));
    expect(decoded).toBeInstanceOf(MalformedFrameError);
    expect((decoded as MalformedFrameError).message).toContain('invalid ERROR');
  });
});
