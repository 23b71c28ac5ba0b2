import { checkField } from '../../jfs-protocol/field.ts';
import { WatcherNameError } from './jfs-client-errors.ts';

/** The parts of a JFS channel id. */
export interface ChannelIdParts {
  readonly namespace: string;
  readonly pod: string;
  readonly container: string;
  readonly watcherName: string;
}

/**
 * `${namespace}/${pod}/${container}/${watcherName}`, the id a server files the
 * watches under.
 *
 * @throws WatcherNameError when the watcher name holds a `/`.
 * @throws FieldTooLongError when the id is over 255 UTF-8 bytes.
 */
export function jfsChannelId(parts: ChannelIdParts): string {
  checkWatcherName(parts.watcherName);
  const id = `${parts.namespace}/${parts.pod}/${parts.container}/${parts.watcherName}`;
  checkField('channelId', id);
  return id;
}

/** Throws `bad watcher name, illegal character '/'` (a {@link WatcherNameError}) for a name with `/`. */
export function checkWatcherName(name: string): void {
  if (name.includes('/')) throw new WatcherNameError(name);
}
