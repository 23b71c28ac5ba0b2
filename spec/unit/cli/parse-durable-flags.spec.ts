import { describe, expect, it } from 'vitest';
import { parseCommand } from '../../../lib/cli/parse-args.ts';

describe('parseCommand: durable delivery flags of watch', () => {
  it('defaults to no state directory', () => {
    expect(parseCommand(['watch', '.'])).toMatchObject({
      config: { stateDir: null, listDeadLetters: false, replay: [] },
    });
  });

  it('takes --state-dir, --dead-letters and repeated --replay ids (all wins)', () => {
    expect(
      parseCommand(['watch', '--state-dir', 's', '--replay', '3', '--replay', '12']),
    ).toMatchObject({ config: { stateDir: 's', replay: [3, 12], listDeadLetters: false } });
    expect(parseCommand(['--state-dir', 's', '--replay', '3', '--replay', 'all'])).toMatchObject({
      config: { replay: 'all' },
    });
    expect(parseCommand(['--state-dir', 's', '--dead-letters'])).toMatchObject({
      config: { stateDir: 's', listDeadLetters: true },
    });
  });

  it('takes --journal URL with --group, --consumer and --takeover-timeout', () => {
    expect(parseCommand(['watch', '--journal', 'redis://r:6379/2'])).toMatchObject({
      config: {
        stateDir: null,
        journal: {
          url: 'redis://r:6379/2',
          group: 'batchwatch',
          consumer: null,
          takeoverTimeout: null,
        },
      },
    });
    expect(
      parseCommand([
        '--journal',
        'redis://r',
        '--group',
        'reload',
        '--consumer',
        'pod-1',
        '--takeover-timeout',
        '5000',
        '--dead-letters',
      ]),
    ).toMatchObject({
      config: {
        journal: { url: 'redis://r', group: 'reload', consumer: 'pod-1', takeoverTimeout: 5000 },
        listDeadLetters: true,
      },
    });
  });

  it.each([
    [['--state-dir', 's', '--journal', 'redis://r'], '--state-dir and --journal are two journals'],
    [['--group', 'g'], '--group needs --journal URL'],
    [['--consumer', 'c'], '--consumer needs --journal URL'],
    [
      ['--journal', 'redis://r', '--takeover-timeout', '10'],
      '--takeover-timeout takes a whole number',
    ],
    [['--journal', 'redis://r', '--takeover-timeout', '1.5s'], 'not "1.5s"'],
    [['--journal', ''], '--journal needs a Redis URL'],
    [['--journal', 'redis://r', '--group', ''], '--group needs a name.'],
    [['--dead-letters'], '--dead-letters needs --state-dir DIR'],
    [['--replay', '1'], '--replay needs --state-dir DIR'],
    [['--state-dir', 's', '--replay', '0'], '--replay takes a dead letter\'s id or all, not "0".'],
    [['--state-dir', 's', '--replay', 'x1'], 'not "x1"'],
    [['--state-dir', ''], '--state-dir needs a directory.'],
  ])('refuses %j', (args, message) => {
    expect(() => parseCommand(args)).toThrow(message);
  });
});
