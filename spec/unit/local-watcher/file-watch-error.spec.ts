import { describe, expect, it } from 'vitest';
import { BatchwatchError } from '../../../lib/errors.ts';
import { FileWatchError } from '../../../lib/local-watcher/watch-errors.ts';

const systemError = (code: string, message: string): Error =>
  Object.assign(new Error(message), { code, path: '/srv/data' });

describe('FileWatchError', () => {
  it('names the path and the code, chains the cause, and is a BatchwatchError', () => {
    const cause = systemError('ENOSPC', 'System limit for number of file watchers reached');
    const error = new FileWatchError('/srv/data', cause);
    expect(error).toBeInstanceOf(BatchwatchError);
    expect(error).toMatchObject({
      name: 'FileWatchError',
      code: 'BATCHWATCH_FILE_WATCH_FAILED',
      path: '/srv/data',
      systemCode: 'ENOSPC',
      cause,
    });
  });

  it.each([
    ['ENOSPC', /fs\.inotify\.max_user_watches.*polling: true/],
    ['EMFILE', /ulimit -n.*polling: true/],
    ['EACCES', /read access to \/srv\/data, or add it to ignored/],
    ['EPERM', /read access to \/srv\/data/],
  ])('says what to change for %s', (code, fix) => {
    const error = new FileWatchError('/srv/data', systemError(code, 'failed'));
    expect(error.message).toMatch(new RegExp(`^Cannot watch /srv/data \\(${code}\\): `));
    expect(error.message).toMatch(fix);
  });

  it('falls back to the cause for other failures', () => {
    const error = new FileWatchError('/srv/data', new Error('boom.'));
    expect(error.systemCode).toBe('');
    expect(error.message).toBe(
      'Cannot watch /srv/data: boom. That path is not watched; the rest is.',
    );
  });
});
