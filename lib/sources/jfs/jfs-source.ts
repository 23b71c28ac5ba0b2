import { Subscription } from 'rxjs/internal/Subscription';
import { Action } from '../../events/action.ts';
import { createEvent, type Event, EventType } from '../../events/event.ts';
import { MalformedFrameError } from '../../jfs-protocol/protocol-errors.ts';
import { EventSource } from '../event-source.ts';
import { jfsEventToEvents } from './jfs-event-to-events.ts';
import { type JfsSourceOptions, resolveJfsSourceOptions } from './jfs-source-options.ts';

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
 * see `reloadOnReconnect`), never on the first connection; with a
 * `checkpoint`, also once ready after a restart (`reason: 'resume'`).
 *
 * @throws OptionsError (and the watcher's errors) at once for bad options.
 * @example queue.start(jfsSource({ name: 'config', paths: ['/data/config'] }));
 */
export function jfsSource(options: JfsSourceOptions): EventSource {
  const { chmod, reloadOnReconnect, createWatcher, watcherOptions, checkpoint, checkpointName } =
    resolveJfsSourceOptions(options);
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
        // The source already says `connecting` (attempt 0) when it is subscribed.
        const repeat = first && status.kind === 'connecting' && status.attempt === 0;
        first = false;
        if (repeat) return;
        // Any leave from ready (a re-dial at once is `connecting`, a backed-off one `reconnecting`).
        if (status.kind !== 'ready' && wasReady) gap = true;
        if (status.kind !== 'closed') context.status(status);
        else if (status.error !== undefined) context.error(status.error);
        if (status.kind !== 'ready') return;
        // Started again after a restart (a checkpoint says so): no position to resume from.
        const resumed = !wasReady && checkpoint?.checkpoint(checkpointName) !== undefined;
        if (!wasReady) checkpoint?.setCheckpoint(checkpointName, 'started');
        wasReady = true;
        // Only once ready are the watches back: a change made before then may be missed too.
        if ((gap && reloadOnReconnect) || resumed) {
          context.count('forceReloads');
          context.next(
            jfsForceReload(Date.now(), resumed ? resumeAttributes : reconnectAttributes),
          );
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
function jfsForceReload(time: number, actorAttributes: Readonly<Record<string, string>>): Event {
  return createEvent({
    type: EventType.File,
    action: Action.ForceReload,
    actorName: '',
    actorId: '',
    actorAttributes,
    time,
  });
}

const reconnectAttributes: Readonly<Record<string, string>> = Object.freeze({
  reason: 'reconnect',
});
const resumeAttributes: Readonly<Record<string, string>> = Object.freeze({ reason: 'resume' });
