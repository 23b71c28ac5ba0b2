// The variants the file benchmarks compare: chokidar alone (the floor) and the file source.
import { watch } from 'chokidar';
import type { Subscription } from 'rxjs';
import { Action, type Event, EventQueue, type EventQueueOptions } from '../../lib/index.ts';
import { fileSource } from '../../lib/sources/file/file-source.ts';

/** What a watcher reported, reduced to what the benchmarks check. */
export type Change = 'created' | 'written' | 'deleted' | 'renamed';

/** A running watcher. */
export interface Running {
  stop(): Promise<void>;
}

/** One way of watching a directory; `onChange` gets the absolute path of each change. */
export interface Variant {
  readonly name: string;
  start(root: string, onChange: (path: string, change: Change) => void): Promise<Running>;
}

const chokidarChanges: Readonly<Record<string, Change>> = {
  add: 'created',
  addDir: 'created',
  change: 'written',
  unlink: 'deleted',
  unlinkDir: 'deleted',
};

function chokidarAlone(name: string, alwaysStat: boolean): Variant {
  return {
    name,
    async start(root, onChange) {
      const watcher = watch(root, { ignoreInitial: true, alwaysStat });
      watcher.on('all', (event, path) => {
        const change = chokidarChanges[event];
        if (change !== undefined) onChange(path, change);
      });
      await new Promise<void>((resolve) => watcher.once('ready', resolve));
      return { stop: () => watcher.close() };
    },
  };
}

const sourceChanges: Readonly<Record<number, Change>> = {
  [Action.FileCreated]: 'created',
  [Action.FileWritten]: 'written',
  [Action.FileDeleted]: 'deleted',
  [Action.FileRenamed]: 'renamed',
};

const deliver = (onChange: (path: string, change: Change) => void) => (event: Event) => {
  const change = sourceChanges[event.action];
  if (change !== undefined) onChange(event.actorId, change);
};

/** The queue settings of the "through an EventQueue" variant. */
export const queueOptions: EventQueueOptions = { flushInterval: 100, coalesce: true };

/** Every variant, by the name the child processes are given. */
export const variants: Readonly<Record<string, Variant>> = {
  chokidar: chokidarAlone('chokidar alone (defaults)', false),
  'chokidar-stat': chokidarAlone('chokidar alone (alwaysStat, as the source)', true),
  source: {
    name: 'fileSource (raw, no queue)',
    async start(root, onChange) {
      const source = fileSource(root);
      const subscription: Subscription = source.subscribe(deliver(onChange));
      await source.ready();
      return { stop: async () => subscription.unsubscribe() };
    },
  },
  queue: {
    name: `fileSource -> EventQueue (flushInterval ${queueOptions.flushInterval}, coalesce)`,
    async start(root, onChange) {
      const source = fileSource(root);
      const toChange = deliver(onChange);
      const queue = new EventQueue({
        ...queueOptions,
        onFlush: (batch) => {
          for (const event of batch) toChange(event);
        },
      });
      queue.start(source);
      await source.ready();
      return { stop: () => queue.drain() };
    },
  },
};
