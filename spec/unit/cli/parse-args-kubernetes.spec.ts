import { describe, expect, it } from 'vitest';
import { parseCommand } from '../../../lib/cli/parse-args.ts';

describe('parseCommand: Kubernetes mode', () => {
  it('proxy --kubernetes needs no mounts file, and refuses both', () => {
    expect(parseCommand(['proxy', '--kubernetes', '--listen', ':5079'])).toEqual({
      kind: 'proxy',
      config: { kubernetes: true, listen: ':5079', metricsPort: null, metricsHost: '127.0.0.1' },
    });
    expect(() => parseCommand(['proxy', '--kubernetes', '--mounts', 'm.json'])).toThrow(
      'proxy takes --mounts FILE or --kubernetes, not both.',
    );
    expect(() => parseCommand(['proxy'])).toThrow(/--mounts FILE .* or --kubernetes/);
  });

  it('daemon --kubernetes [--node NAME] needs no node path, and --node needs --kubernetes', () => {
    expect(
      parseCommand(['daemon', '--kubernetes', '--node', 'olares-node-1', '--no-follow']),
    ).toEqual({
      kind: 'daemon',
      config: { paths: [], follow: false, kubernetes: { node: 'olares-node-1' } },
    });
    expect(parseCommand(['daemon', '--kubernetes'])).toMatchObject({
      config: { follow: true, kubernetes: {} },
    });
    expect(() => parseCommand(['daemon', '--node', 'x'])).toThrow(
      'daemon --node NAME needs --kubernetes.',
    );
  });
});
