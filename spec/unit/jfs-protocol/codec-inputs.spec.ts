import { describe, expect, it } from 'vitest';
import { OptionsError } from '../../../lib/errors.ts';
import { decodePayload } from '../../../lib/jfs-protocol/decode-payload.ts';
import { encodeEvents } from '../../../lib/jfs-protocol/encode-message.ts';
import { FrameDecoder } from '../../../lib/jfs-protocol/frame-decoder.ts';
import { StaticMountResolver } from '../../../lib/jfs-proxy/static-mount-resolver.ts';

function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('codec and resolver inputs', () => {
  it.each([Number.NaN, 'abc', 3.5, 0, -1, 2 ** 32, Number.POSITIVE_INFINITY, null])(
    'new FrameDecoder(%s) throws instead of removing the cap',
    (value) => {
      const error = thrown(() => new FrameDecoder(value as number));
      expect(error).toBeInstanceOf(OptionsError);
      expect(error).toMatchObject({ option: 'maxFrameLength', value });
    },
  );

  it('decodes a payload given as a plain Uint8Array, like a Buffer', () => {
    const frame = encodeEvents([{ name: '/a', op: 1, key: '/' }]);
    const payload = frame.subarray(4);
    const plain = new Uint8Array(payload.byteLength);
    plain.set(payload);
    expect(decodePayload(plain)).toEqual(decodePayload(payload));
    expect(new FrameDecoder().push(new Uint8Array(frame))).toEqual(new FrameDecoder().push(frame));
  });

  it.each([null, 'bytes', [1, 2, 3, 4]])('decodePayload(%j) throws a typed error', (value) => {
    const error = thrown(() => decodePayload(value as never));
    expect(error).toBeInstanceOf(OptionsError);
    expect(error).toMatchObject({ option: 'payload' });
  });

  it.each([
    ['null', null, 'entries'],
    ['[{}]', [{}], 'entries[0].namespace'],
    ['[null]', [null], 'entries[0]'],
    [
      'a mount without hostPath',
      [{ namespace: 'n', pod: 'p', container: 'c', mounts: [{ mountPath: '/a' }] }],
      'entries[0].mounts[0].hostPath',
    ],
  ])('new StaticMountResolver(%s) throws an OptionsError naming %s', (_name, value, option) => {
    const error = thrown(() => new StaticMountResolver(value as never));
    expect(error).toBeInstanceOf(OptionsError);
    expect(error).toMatchObject({ option });
  });
});
