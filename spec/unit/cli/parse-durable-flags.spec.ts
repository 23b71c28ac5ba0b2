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

  it.each([
    [['--dead-letters'], '--dead-letters needs --state-dir DIR'],
    [['--replay', '1'], '--replay needs --state-dir DIR'],
    [['--state-dir', 's', '--replay', '0'], '--replay takes a dead letter\'s id or all, not "0".'],
    [['--state-dir', 's', '--replay', 'x1'], 'not "x1"'],
    [['--state-dir', ''], '--state-dir needs a directory.'],
  ])('refuses %j', (args, message) => {
    expect(() => parseCommand(args)).toThrow(message);
  });
});
