import { Subscription } from 'rxjs';
import { OptionsError } from '../../errors.ts';
import { Action } from '../../events/action.ts';
import { createEvent, type Event, EventType } from '../../events/event.ts';
import { MalformedFrameError } from '../../jfs-protocol/protocol-errors.ts';
import { rejectUnknownOptions } from '../../options.ts';
import { EventSource } from '../event-source.ts';
import { createNotifyWatcher } from './create-notify-watcher.ts';
import { jfsEventToEvents } from './jfs-event-to-events.ts';
import {
  type JfsWatcherOptions,
  jfsWatcherOptionNames,
  resolveJfsWatcherOptions,
} from './jfs-watcher-options.ts';
import type { NotifyWatcher } from './notify-watcher.ts';

/** Options of {@link jfsSource}: those of the watcher, plus the mapping. */
export interface JfsSourceOptions extends JfsWatcherOptions {
  /** The paths to watch (pod paths); at least one. */
  readonly paths: readonly string[];
  /** Report Chmod as FileWritten instead of ignoring it. Default `false`. */
  readonly chmod?: boolean;
  /**
   * Emit one `file` ForceReload (no actor, attribute `reason: 'reconnect'`)
   * each time the watcher is ready again after a reconnection: the protocol
   * has no replay, so changes made while the connection was down are lost,
   * and the consumer should re-list. Never on the first connection. Default
   * `true`.
   */
  readonly reloadOnReconnect?: boolean;
  /**
   * Builds the watcher for each subscription. Default `createNotifyWatcher`
   * (remote, or local when the fs type is `fs`).
   */
  readonly createWatcher?: (options: JfsWatcherOptions) => NotifyWatcher;
}

/**
 * A source of the file changes a JFS notify server reports (or, with
 * `FS_TYPE=fs`, a local watcher): each subscription opens its own watcher
 * and closes it on unsubscribe. Events are `type: 'file'`, named by path (see
 * `jfsEventToEvents` for the op mapping). Status follows the connection:
 * `ready` once connected with every watch sent, `reconnecting` while the
 * server is away; each lost connection and each malformed frame is a warning
 * (malformed frames are also counted as `malformed`, Chmod-only or unmapped
 * ops as `ignored`). The protocol has no replay: each time it is ready again
 * after a reconnection it emits one ForceReload (counted as `forceReloads`;
 * see `reloadOnReconnect`), never on the first connection.
 *
 * @throws OptionsError (and the watcher's errors) at once for bad options.
 * @example queue.start(jfsSource({ name: 'config', paths: ['/data/config'] }));
 */
export function jfsSource(options: JfsSourceOptions): EventSource {
  if (options === null || typeof options !== 'object') {
    throw new OptionsError('options', options, 'an options object');
  }
  const {
    chmod = false,
    reloadOnReconnect = true,
    createWatcher = createNotifyWatcher,
    ...watcherOptions
  } = options;
  if (typeof chmod !== 'boolean') throw new OptionsError('chmod', chmod, 'true or false');
  if (typeof reloadOnReconnect !== 'boolean') {
    throw new OptionsError('reloadOnReconnect', reloadOnReconnect, 'true or false');
  }
  if (typeof createWatcher !== 'function') {
    throw new OptionsError('createWatcher', createWatcher, 'a function (options) => NotifyWatcher');
  }
  rejectUnknownOptions(options, [
    ...jfsWatcherOptionNames,
    'chmod',
    'reloadOnReconnect',
    'createWatcher',
  ]);
  const { paths } = resolveJfsWatcherOptions(watcherOptions);
  if (paths.length === 0) throw new OptionsError('paths', options.paths, 'at least one path');

  return new EventSource('jfs', (context) => {
    const watcher = createWatcher(watcherOptions);
    const subscription = new Subscription();
    subscription.add(
      watcher.events$.subscribe((jfsEvent) => {
        const events = jfsEventToEvents(jfsEvent, { chmod, time: Date.now() });
        if (events.length === 0) context.count('ignored');
        for (const event of events) context.next(event);
      }),
    );
    subscription.add(
      watcher.warnings$.subscribe((warning) => {
        if (warning instanceof MalformedFrameError) context.count('malformed');
        context.warn(warning);
      }),
    );
    context.count('forceReloads', 0);
    let first = true;
    let wasReady = false;
    /** The connection was lost after being ready: changes may have been missed. */
    let gap = false;
    subscription.add(
      watcher.status$.subscribe((status) => {
        // The source already says `connecting` (attempt 1) when it is subscribed.
        const repeat = first && status.kind === 'connecting' && status.attempt === 1;
        first = false;
        if (repeat) return;
        if (status.kind === 'reconnecting' && wasReady) gap = true;
        if (status.kind !== 'closed') context.status(status);
        else if (status.error !== undefined) context.error(status.error);
        if (status.kind !== 'ready') return;
        wasReady = true;
        // Only once ready are the watches back: a change made before then may be missed too.
        if (gap && reloadOnReconnect) {
          context.count('forceReloads');
          context.next(jfsForceReload(Date.now()));
        }
        gap = false;
      }),
    );
    return () => {
      subscription.unsubscribe();
      void watcher.close();
    };
  });
}

/** "Changes may have been missed while the connection was down: re-list." */
function jfsForceReload(time: number): Event {
  return createEvent({
    type: EventType.File,
    action: Action.ForceReload,
    actorName: '',
    actorId: '',
    actorAttributes: reconnectAttributes,
    time,
  });
}

const reconnectAttributes: Readonly<Record<string, string>> = Object.freeze({
  reason: 'reconnect',
});
