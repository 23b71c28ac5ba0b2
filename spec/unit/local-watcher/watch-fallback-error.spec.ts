import { describe, expect, it } from 'vitest';
import { FileWatchFallbackError, isWatchLimit } from '../../../lib/local-watcher/watch-errors.ts';

const systemError = (code: string): Error => Object.assign(new Error(code), { code });

describe('FileWatchFallbackError', () => {
  it('names the inotify watch sysctl for ENOSPC', () => {
    const error = new FileWatchFallbackError('/w/d', systemError('ENOSPC'), 250);
    expect(error).toMatchObject({
      name: 'FileWatchFallbackError',
      code: 'BATCHWATCH_FILE_WATCH_FALLBACK',
      path: '/w/d',
      systemCode: 'ENOSPC',
    });
    expect(error.message).toBe(
      'Cannot watch /w/d (ENOSPC): the inotify watch limit (fs.inotify.max_user_watches) is reached. ' +
        'Polling it every 250 ms instead, and any other directory that fails the same way (reported once); ' +
        'changes there are seen later and cost CPU. To avoid it: raise it (sysctl -w ' +
        'fs.inotify.max_user_watches=524288, and in /etc/sysctl.conf), or watch less (ignored, depth).',
    );
  });

  it('names ulimit -n and the inotify instance sysctl for EMFILE', () => {
    const error = new FileWatchFallbackError('/w', systemError('EMFILE'), 250);
    expect(error.message).toMatch(/ulimit -n 65536.*fs\.inotify\.max_user_instances=1024/);
  });

  it('tells the limits that fall back from the errors that do not', () => {
    expect(['ENOSPC', 'EMFILE', 'ENFILE'].map((code) => isWatchLimit(systemError(code)))).toEqual([
      true,
      true,
      true,
    ]);
    expect(isWatchLimit(systemError('EACCES'))).toBe(false);
    expect(isWatchLimit(null)).toBe(false);
  });
});

describe('FileWatchFallbackError for a watch that broke', () => {
  it('says the watch failed and is polled, without naming a limit', () => {
    const error = new FileWatchFallbackError(
      '/w/sub',
      new Error('the watch thread exited (code 1)'),
      250,
    );
    expect(error.systemCode).toBe('');
    expect(error.message).toBe(
      'The native watch of /w/sub failed (the watch thread exited (code 1)): polling it every 250 ms ' +
        'instead, and any other directory that fails (reported once); changes there are seen later ' +
        'and cost CPU. Restart the process to watch natively again.',
    );
  });
});
