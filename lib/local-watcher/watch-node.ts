import type { BatchwatchError } from '../errors.ts';
import type { FallbackPoller } from './fallback-poller.ts';
import type { DirNode } from './tree-node.ts';
import { watchDirectory } from './watch-directory.ts';
import { FileWatchError, isWatchLimit } from './watch-errors.ts';

/**
 * Watches the directory `node` natively, its events to `event`; false when it
 * cannot be watched at all (warned, unless it is gone already: its parent's
 * event reports that). Past the watch limit, or when the watch fails later
 * while `alive()`, the node is polled instead.
 */
export function watchNode(
  node: DirNode,
  poller: FallbackPoller,
  warn: (warning: BatchwatchError) => void,
  event: (type: string, name: string | null) => void,
  alive: () => boolean,
): boolean {
  try {
    const watcher = watchDirectory(node.path, event, (err) => {
      if (node.watcher === watcher) node.watcher = null;
      if (!node.closed && alive()) poller.add(node, err);
    });
    node.watcher = watcher;
    return true;
  } catch (err) {
    if (isWatchLimit(err)) {
      poller.add(node, err);
      return true;
    }
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') warn(new FileWatchError(node.path, err));
    return false;
  }
}
