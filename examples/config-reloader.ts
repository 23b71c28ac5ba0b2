// A config reloader, as GoDoxy's: watch one JSON config file, reload it when it changes, keep the
// last good config when the new one does not parse, and warn (without reloading) when the file is
// renamed or deleted.
//
//   npx node examples/config-reloader.ts config.json   watch config.json until Ctrl-C
//   npx node examples/config-reloader.ts               a scripted demo on a temp file
import { readFileSync } from 'node:fs';
import { mkdtemp, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { firstValueFrom, Subject } from 'rxjs';
import { Action, type Event, EventQueue, fileSource, formatEvent } from '../lib/index.ts';

type Config = Record<string, unknown>;
type Outcome = 'reloaded' | 'kept' | 'renamed' | 'deleted';

const renamedWarning =
  'Config file renamed, not reloading. Make sure you rename it back before the next start.';
const deletedWarning =
  'Config file deleted, not reloading. The last good config stays in use until it is back.';

/** Reads and parses the config; throws on a missing file or bad JSON. */
function loadConfig(file: string): Config {
  const value: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new Error('the config must be a JSON object');
  }
  return value as Config;
}

/** Watches `file` and keeps `current` up to date; `outcomes$` tells what each batch led to. */
function startReloader(file: string) {
  let current = loadConfig(file);
  const outcomes$ = new Subject<Outcome>();
  const source = fileSource(file);
  source.warnings$.subscribe((warning) => console.warn(`[watch] ${warning.message}`));
  const queue = new EventQueue({
    flushInterval: 300,
    // However many events the window held, reload once; the last one says what the file is now.
    onFlush: (batch: readonly Event[]) => {
      const last = batch.at(-1) as Event;
      console.log(`[config] events: ${batch.map(formatEvent).join(', ')}`);
      if (last.action === Action.FileRenamed) {
        console.warn(`[config] ${renamedWarning} (now ${last.actorName})`);
        outcomes$.next('renamed');
      } else if (last.action === Action.FileDeleted) {
        console.warn(`[config] ${deletedWarning}`);
        outcomes$.next('deleted');
      } else {
        current = loadConfig(file); // a throw lands in onError: the last good config stays
        console.log(`[config] reloaded: ${JSON.stringify(current)}`);
        outcomes$.next('reloaded');
      }
    },
    onError: (error) => {
      const reason = error.cause instanceof Error ? error.cause.message : error.message;
      console.error(`[config] reload failed, keeping the last good config: ${reason}`);
      outcomes$.next('kept');
    },
  });
  queue.start(source);
  console.log(`[config] loaded ${file}: ${JSON.stringify(current)}`);
  return {
    ready: source.ready(),
    outcomes$,
    current: () => current,
    stop: () => queue.drain(),
  };
}

/** Edits a temp config in every way the reloader must handle, waiting for each outcome. */
async function demo(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'config-reloader-'));
  const file = join(dir, 'config.json');
  await writeFile(file, '{"routes":{"app":"http://localhost:3000"}}');
  const reloader = startReloader(file);
  await reloader.ready;
  const step = async (title: string, change: () => Promise<void>): Promise<void> => {
    console.log(`\n# ${title}`);
    const outcome = firstValueFrom(reloader.outcomes$);
    await change();
    console.log(`  -> ${await outcome}; in use: ${JSON.stringify(reloader.current())}`);
  };
  await step('edit in place', () => writeFile(file, '{"routes":{"app":"http://localhost:3001"}}'));
  await step('atomic save (temp file renamed over it)', async () => {
    await writeFile(`${file}.tmp`, '{"routes":{"app":"http://localhost:3002"}}');
    await rename(`${file}.tmp`, file);
  });
  await step('save broken JSON', () => writeFile(file, '{"routes": {'));
  await step('fix it', () => writeFile(file, '{"routes":{"app":"http://localhost:3003"}}'));
  await step('rename it away', () => rename(file, `${file}.bak`));
  await step('rename it back', () => rename(`${file}.bak`, file));
  await step('delete it', () => unlink(file));
  await reloader.stop();
  await rm(dir, { recursive: true, force: true });
}

const given = process.argv[2];
if (given === undefined) {
  await demo();
} else {
  const reloader = startReloader(resolve(given));
  await reloader.ready;
  console.log('[config] watching; Ctrl-C to stop');
  process.once('SIGINT', () => void reloader.stop());
}
