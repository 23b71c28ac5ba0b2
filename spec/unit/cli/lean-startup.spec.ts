import { describe, expect, it } from 'vitest';
import { leanStartup } from '../../../lib/cli/lean-startup.ts';

function recorded(execArgv: string[] = [], nodeOptions = '') {
  const flags: string[] = [];
  const restore = leanStartup({ execArgv, nodeOptions, setFlags: (flag) => flags.push(flag) });
  return { flags, restore };
}

describe('leanStartup', () => {
  it('starts with V8 favouring memory and no optimizing compilers, and restores the defaults once', () => {
    const { flags, restore } = recorded();
    expect(flags).toEqual(['--optimize-for-size', '--no-maglev', '--no-turbofan']);
    flags.length = 0;
    restore();
    expect(flags).toEqual(['--no-optimize-for-size', '--maglev', '--turbofan']);
    flags.length = 0;
    restore();
    expect(flags).toEqual([]);
  });

  it('leaves alone a flag the user gave on the command line or in NODE_OPTIONS, in any spelling', () => {
    const { flags, restore } = recorded(
      ['--no-turbofan'],
      '--max-old-space-size=100 --optimize_for_size',
    );
    restore();
    expect(flags).toEqual(['--no-maglev', '--maglev']);
  });

  it('leaves the compilers alone under --jitless or --lite-mode', () => {
    for (const mode of ['--jitless', '--lite-mode']) {
      const { flags, restore } = recorded([], mode);
      restore();
      expect(flags).toEqual(['--optimize-for-size', '--no-optimize-for-size']);
    }
  });
});
