import { describe, expect, it } from 'vitest';
import {
  PROXY_MMAP_THRESHOLD,
  PROXY_SEMI_SPACE_MB,
  proxyHeapArgs,
  proxyHeapEnv,
} from '../../../lib/cli/proxy-heap.ts';

const SEMI_SPACE = `--max-semi-space-size=${PROXY_SEMI_SPACE_MB}`;

describe('proxyHeapArgs', () => {
  it('asks for the small young generation and the heap budget collector when the user set neither', () => {
    expect(proxyHeapArgs({ execArgv: [], nodeOptions: '' })).toEqual([SEMI_SPACE, '--expose-gc']);
    expect(
      proxyHeapArgs({ execArgv: ['--cpu-prof'], nodeOptions: '--max-old-space-size=200' }),
    ).toEqual([SEMI_SPACE, '--expose-gc']);
  });

  it('asks for nothing once they are in place (no second replacement of the process)', () => {
    expect(proxyHeapArgs({ execArgv: [SEMI_SPACE, '--expose-gc'], nodeOptions: '' })).toEqual([]);
  });

  it("leaves the user's own young generation alone, in any spelling, on the command line or in NODE_OPTIONS", () => {
    for (const [execArgv, nodeOptions] of [
      [['--max-semi-space-size=16'], ''],
      [['--max_semi_space_size=16'], ''],
      [[], '--inspect --max-semi-space-size=8'],
    ] as const) {
      expect(proxyHeapArgs({ execArgv, nodeOptions })).toEqual(['--expose-gc']);
    }
    expect(proxyHeapArgs({ execArgv: ['--expose_gc'], nodeOptions: '' })).toEqual([SEMI_SPACE]);
  });
});

describe('proxyHeapEnv', () => {
  it("sets glibc's mmap threshold unless the user did", () => {
    expect(proxyHeapEnv({})).toEqual({ MALLOC_MMAP_THRESHOLD_: String(PROXY_MMAP_THRESHOLD) });
    expect(proxyHeapEnv({ MALLOC_MMAP_THRESHOLD_: '131072' })).toEqual({});
  });
});
