import { describeCause as causeText } from '../describe.ts';
import { BatchwatchError } from '../errors.ts';

/**
 * A local path could not be watched (`ENOSPC`, `EMFILE`, `EACCES`...).
 * Reported as a warning on the source, which keeps watching everything else;
 * the message says what to change.
 */
export class FileWatchError extends BatchwatchError {
  override readonly name = 'FileWatchError';
  override readonly code = 'BATCHWATCH_FILE_WATCH_FAILED';
  /** The path that is not watched. */
  readonly path: string;
  /** The system error code (`ENOSPC`, `EMFILE`, `EACCES`...), or `''` when there is none. */
  readonly systemCode: string;

  constructor(path: string, cause: unknown) {
    const systemCode = String((cause as { code?: unknown } | null)?.code ?? '');
    const what = systemCode === '' ? path : `${path} (${systemCode})`;
    super(`Cannot watch ${what}: ${watchFix(systemCode, path, cause)}`, { cause });
    this.path = path;
    this.systemCode = systemCode;
  }
}

function watchFix(systemCode: string, path: string, cause: unknown): string {
  switch (systemCode) {
    case 'ENOSPC':
      return (
        'the inotify watch limit is reached. Raise it (sysctl -w fs.inotify.max_user_watches=524288, ' +
        'and in /etc/sysctl.conf), watch less (ignored, depth), or use polling: true.'
      );
    case 'EMFILE':
    case 'ENFILE':
      return 'too many open files. Raise the limit (ulimit -n), watch less (ignored, depth), or use polling: true.';
    case 'EACCES':
    case 'EPERM':
      return `permission denied. Give this process read access to ${path}, or add it to ignored.`;
    default:
      return `${causeText(cause).replace(/\.$/, '')}. That path is not watched; the rest is.`;
  }
}

/**
 * A directory could not get a native watch (out of inotify watches or
 * instances, or of file descriptors), or lost it (the watch thread died):
 * it and whatever fails the same way below it are polled instead. Reported once per source, naming the limit
 * to raise; `path` is the first directory that fell back.
 */
export class FileWatchFallbackError extends BatchwatchError {
  override readonly name = 'FileWatchFallbackError';
  override readonly code = 'BATCHWATCH_FILE_WATCH_FALLBACK';
  /** The first directory polled instead of watched. */
  readonly path: string;
  /** `ENOSPC`, `EMFILE` or `ENFILE`; another code or `''` when a watch broke after it was opened. */
  readonly systemCode: string;

  constructor(path: string, cause: unknown, intervalMs: number) {
    const systemCode = String((cause as { code?: unknown } | null)?.code ?? '');
    const limit = isWatchLimit(cause);
    super(
      limit
        ? `Cannot watch ${path} (${systemCode}): ${limitText(systemCode)} Polling it every ${intervalMs} ms ` +
            'instead, and any other directory that fails the same way (reported once); changes there ' +
            `are seen later and cost CPU. To avoid it: ${fixText(systemCode)}, or watch less (ignored, depth).`
        : `The native watch of ${path} failed (${causeText(cause).replace(/\.$/, '')}): polling it every ` +
            `${intervalMs} ms instead, and any other directory that fails (reported once); changes ` +
            'there are seen later and cost CPU. Restart the process to watch natively again.',
      { cause },
    );
    this.path = path;
    this.systemCode = systemCode;
  }
}

/** Whether a failed watch should fall back to polling rather than leave the path unwatched. */
export function isWatchLimit(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ENOSPC' || code === 'EMFILE' || code === 'ENFILE';
}

function limitText(systemCode: string): string {
  return systemCode === 'ENOSPC'
    ? 'the inotify watch limit (fs.inotify.max_user_watches) is reached.'
    : 'too many open files, or inotify instances (fs.inotify.max_user_instances).';
}

function fixText(systemCode: string): string {
  return systemCode === 'ENOSPC'
    ? 'raise it (sysctl -w fs.inotify.max_user_watches=524288, and in /etc/sysctl.conf)'
    : 'raise the open-file limit (ulimit -n 65536) or the inotify instance limit ' +
        '(sysctl -w fs.inotify.max_user_instances=1024)';
}
