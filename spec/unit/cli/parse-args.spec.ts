import { describe, expect, it } from 'vitest';
import { parseCommand } from '../../../lib/cli/parse-args.ts';

describe('parseCommand: the stream options of proxy and daemon', () => {
  it('proxy --feed takes stream or pubsub', () => {
    expect(parseCommand(['proxy', '--mounts', 'm.json', '--feed', 'pubsub'])).toMatchObject({
      kind: 'proxy',
      config: { feed: 'pubsub' },
    });
    expect(() => parseCommand(['proxy', '--mounts', 'm.json', '--feed', 'kafka'])).toThrow(
      '--feed takes auto, stream or pubsub, not "kafka".',
    );
  });

  it('daemon --stream-max-len takes a whole number >= 1', () => {
    expect(parseCommand(['daemon', '--stream-max-len', '5000'])).toMatchObject({
      kind: 'daemon',
      config: { streamMaxLen: 5000 },
    });
    expect(() => parseCommand(['daemon', '--stream-max-len', '0'])).toThrow(
      '--stream-max-len takes a whole number >= 1, not "0".',
    );
  });
});
