import { describe, expect, it } from 'vitest';
import { helpText } from '../../../lib/cli/help.ts';
import { parseCommand } from '../../../lib/cli/parse-args.ts';

describe('parseCommand: --settle, --max-wait, --hold-while, --max-hold', () => {
  it('takes a settling window and repeatable hold paths', () => {
    const command = parseCommand([
      'watch',
      'repo',
      '--settle',
      '200',
      '--max-wait',
      '5000',
      '--hold-while',
      '.git/index.lock',
      '--hold-while',
      '/run/deploy.lock',
      '--max-hold',
      '30000',
    ]);
    expect(command).toMatchObject({
      kind: 'watch',
      config: {
        paths: ['repo'],
        settle: { quiet: 200, maxWait: 5000 },
        holdWhile: ['.git/index.lock', '/run/deploy.lock'],
        maxHold: 30_000,
      },
    });
    expect(parseCommand(['watch', '--settle', '50'])).toMatchObject({
      config: { settle: { quiet: 50 } },
    });
  });

  it('leaves the fixed window alone when none is given', () => {
    const command = parseCommand(['watch', 'repo', '--interval', '100']);
    expect(command).toMatchObject({ config: { interval: 100 } });
    if (command.kind !== 'watch') throw new Error('not watch');
    expect(command.config).not.toHaveProperty('settle');
    expect(command.config).not.toHaveProperty('holdWhile');
  });

  it.each([
    [['--settle', '200', '--interval', '300'], '--settle replaces --interval'],
    [['--max-wait', '500'], '--max-wait needs --settle'],
    [['--settle', '500', '--max-wait', '200'], '--max-wait (200) must be at least --settle (500)'],
    [['--settle', '0'], '--settle takes'],
    [['--settle', 'soon'], '--settle takes'],
    [['--max-hold', '100'], '--max-hold needs --hold-while'],
    [['--hold-while', '.git/index.lock', '--max-hold', '1e99'], '--max-hold takes'],
    [['--hold-while', ''], '--hold-while takes a file path'],
  ])('refuses %j, naming the flag', (args, message) => {
    expect(() => parseCommand(['watch', 'repo', ...args])).toThrow(message);
  });

  it('documents the flags in --help', () => {
    for (const flag of ['--settle MS', '--max-wait MS', '--hold-while PATH', '--max-hold MS']) {
      expect(helpText).toContain(flag);
    }
  });
});
