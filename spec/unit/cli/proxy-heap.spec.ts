import { describe, expect, it } from 'vitest';
import { PROXY_SEMI_SPACE_MB, proxyHeapArgs } from '../../../lib/cli/proxy-heap.ts';

describe('proxyHeapArgs', () => {
  it('asks for the small young generation when the user set none', () => {
    expect(proxyHeapArgs({ execArgv: [], nodeOptions: '' })).toEqual([
      `--max-semi-space-size=${PROXY_SEMI_SPACE_MB}`,
    ]);
    expect(
      proxyHeapArgs({ execArgv: ['--cpu-prof'], nodeOptions: '--max-old-space-size=200' }),
    ).toEqual([`--max-semi-space-size=${PROXY_SEMI_SPACE_MB}`]);
  });

  it('asks for nothing once it is in place (no second replacement of the process)', () => {
    expect(
      proxyHeapArgs({
        execArgv: [`--max-semi-space-size=${PROXY_SEMI_SPACE_MB}`],
        nodeOptions: '',
      }),
    ).toEqual([]);
  });

  it("leaves the user's own choice alone, in any spelling, on the command line or in NODE_OPTIONS", () => {
    for (const [execArgv, nodeOptions] of [
      [['--max-semi-space-size=16'], ''],
      [['--max_semi_space_size=16'], ''],
      [[], '--inspect --max-semi-space-size=8'],
    ] as const) {
      expect(proxyHeapArgs({ execArgv, nodeOptions })).toEqual([]);
    }
  });
});
