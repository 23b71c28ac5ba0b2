import { JfsWatcher } from './jfs-watcher.ts';
import { FsType, type JfsWatcherOptions, resolveJfsWatcherOptions } from './jfs-watcher-options.ts';
import { LocalNotifyWatcher } from './local-notify-watcher.ts';
import type { NotifyWatcher } from './notify-watcher.ts';

/**
 * Go's `jfsnotify.NewWatcher`: a remote {@link JfsWatcher} when the fs type
 * (option `fsType`, else `$FS_TYPE`) is `jfs` or unset, a local chokidar
 * watcher when it is `fs`.
 *
 * @throws OptionsError `unknown fs type` for any other fs type, and whatever the chosen watcher throws.
 * @example const watcher = createNotifyWatcher({ name: 'config', paths: ['/data/config'] });
 */
export function createNotifyWatcher(options: JfsWatcherOptions = {}): NotifyWatcher {
  const { fsType } = resolveJfsWatcherOptions(options);
  return fsType === FsType.Fs ? new LocalNotifyWatcher(options) : new JfsWatcher(options);
}
