import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { OptionsError } from '../../../lib/errors.ts';
import {
  DEFAULT_REDIS_JOURNAL_OPTIONS,
  resolveRedisJournalOptions,
} from '../../../lib/journal/redis-journal-options.ts';
import { compareStreamIds, streamEntries } from '../../../lib/journal/stream-entries.ts';

describe('resolveRedisJournalOptions', () => {
  it('fills the defaults and parses a redis:// URL', () => {
    const options = resolveRedisJournalOptions({ redis: 'redis://app:secret@r:6380/2' });
    expect(options).toEqual({
      ...DEFAULT_REDIS_JOURNAL_OPTIONS,
      redis: { host: 'r', port: 6380, db: 2, username: 'app', password: 'secret' },
      consumer: `${hostname()}-${process.pid}`,
    });
    expect(Object.isFrozen(options)).toBe(true);
  });

  it.each([
    [{ redis: 'redis://r', takeoverTimeout: 0 }, 'takeoverTimeout'],
    [{ redis: 'redis://r', readCount: 0 }, 'readCount'],
    [{ redis: 'redis://r', group: '' }, 'group'],
    [{ redis: 'redis://r', entryEvents: 1.5 }, 'entryEvents'],
    [{ redis: 'redis://r', tries: 1 }, 'tries'],
    [{ redis: 'redis://r', partitions: 0 }, 'partitions'],
    [{ redis: 'redis://r', partitions: 1_025 }, 'partitions'],
    [{ redis: 'redis://r', maxPending: 0 }, 'maxPending'],
    [{ redis: 'redis://r', retry: 100 }, 'retry'],
    [{ redis: 'redis://r', scheduler: {} }, 'scheduler'],
    [{ redis: 'ftp://r' }, 'redis'],
  ])('refuses %o, naming %s', (options, name) => {
    expect(() => resolveRedisJournalOptions(options as never)).toThrow(
      expect.objectContaining({ constructor: OptionsError, option: name }),
    );
  });

  it('never puts the password in the error of a bad URL', () => {
    expect(() => resolveRedisJournalOptions({ redis: 'redis://u:hunter2@h:notaport' })).toThrow(
      expect.not.objectContaining({ message: expect.stringContaining('hunter2') }),
    );
  });
});

describe('streamEntries', () => {
  it('reads an XREADGROUP reply, repeated fields in order, an entry trimmed while pending empty', () => {
    const reply = [
      [
        's',
        [
          ['1-0', ['e', 'a', 'e', 'b']],
          ['2-0', null],
        ],
      ],
    ];
    expect(streamEntries(reply)).toEqual([
      { stream: 's', id: '1-0', fields: new Map([['e', ['a', 'b']]]) },
      { stream: 's', id: '2-0', fields: new Map() },
    ]);
    expect(streamEntries(null)).toEqual([]);
  });

  it('orders stream ids as Redis does (numbers, not text)', () => {
    expect(compareStreamIds('9-0', '10-0')).toBe(-1);
    expect(compareStreamIds('10-2', '10-10')).toBe(-1);
    expect(compareStreamIds('10-2', '10-2')).toBe(0);
    expect(compareStreamIds('11-0', '10-99')).toBe(1);
  });
});
