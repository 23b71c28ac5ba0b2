import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import * as docker from '../../lib/docker/index.ts';
import * as root from '../../lib/index.ts';
import * as jfs from '../../lib/jfs/index.ts';
import * as journal from '../../lib/journal/index.ts';
import * as metrics from '../../lib/metrics/index.ts';
import * as testing from '../../lib/testing/index.ts';

// The public surface at run time (types are checked by the packed-package check). A change here
// is a change of the API: update the README's entry points and the CHANGELOG with it.
describe('entry points', () => {
  it('batchwatch: the model, the queue and its operators, route, backoff, the file and poll sources', () => {
    expect(Object.keys(root).sort()).toEqual(
      [
        'Action',
        'ActionGroup',
        'BatchwatchError',
        'CallbackError',
        'CompactedError',
        'DeadLetterError',
        'EventQueue',
        'EventSource',
        'EventType',
        'FileRootGoneError',
        'FileWatchError',
        'FileWatchFallbackError',
        'FlushError',
        'HandlerTimeoutError',
        'HoldTimeoutWarning',
        'InotifyOverflowError',
        'MAX_DURATION_MS',
        'OptionsError',
        'OverflowError',
        'OverflowPolicy',
        'PollError',
        'PollFailedError',
        'PollFetchError',
        'PollMappingError',
        'PollSource',
        'QueueClosedError',
        'QueueError',
        'RevisionError',
        'RouteKeyError',
        'RouterClosedError',
        'RouterError',
        'SourceError',
        'SourceStatusKind',
        'SourceWarning',
        'actionGroup',
        'actionName',
        'batchEvents',
        'byActionGroup',
        'byType',
        'coalesce',
        'compareRevisions',
        'createEvent',
        'defaultCoalesceKey',
        'dockerActionMap',
        'exponentialBackoff',
        'fileSource',
        'formatEvent',
        'isAction',
        'isContainerPause',
        'isContainerStart',
        'isContainerStop',
        'pollSource',
        'route',
      ].sort(),
    );
  });

  it('each concept has one entry point: no name is exported by two', () => {
    const entries = { root, docker, jfs, journal, metrics, testing };
    const owners = new Map<string, string[]>();
    for (const [entry, names] of Object.entries(entries)) {
      for (const name of Object.keys(names)) owners.set(name, [...(owners.get(name) ?? []), entry]);
    }
    expect([...owners].filter(([, where]) => where.length > 1)).toEqual([]);
  });

  it('codec and server internals stay private', () => {
    const internal = [
      'FIELD_SIZE',
      'EVENT_RECORD_SIZE',
      'encodeFrame',
      'encodeEvents',
      'podToNodePath',
      'nodeToPodPath',
      'parseChannelId',
      'isWithin',
      'REGISTRY_PREFIX',
      'CONTROL_CHANNEL',
      'WatchRegistry',
      'ProxyConnection',
      'WriteDebouncer',
    ];
    for (const entry of [root, docker, jfs, metrics, testing]) {
      expect(Object.keys(entry).filter((name) => internal.includes(name))).toEqual([]);
    }
  });

  it('the Docker and JFS entry points carry their sources and errors', () => {
    expect(Object.keys(docker)).toEqual(
      expect.arrayContaining(['dockerSource', 'dockerClient', 'InitialState', 'DockerSourceError']),
    );
    expect(Object.keys(jfs)).toEqual(
      expect.arrayContaining([
        'jfsSource',
        'JfsWatcher',
        'JfsProxy',
        'JfsDaemon',
        'StaticMountResolver',
        'FrameDecoder',
        'encodeMessage',
        'Op',
        'JfsError',
      ]),
    );
  });
});

describe('batchwatch/journal', () => {
  it('carries the embedded and the Redis Streams journals, the encoder and their errors', () => {
    expect(Object.keys(journal).sort()).toEqual(
      [
        'EVENT_FORMAT_VERSION',
        'EventCodecError',
        'JOURNAL_FILE',
        'JournalClosedError',
        'JournalError',
        'JournalFullError',
        'JournalIoError',
        'JournalRecordError',
        'RecordState',
        'RedisJournal',
        'SqliteJournal',
        'SqliteSync',
        'decodeEvent',
        'encodeEvent',
        'isRedelivered',
        'isSharedJournal',
        'openStateDir',
      ].sort(),
    );
  });

  it('importing batchwatch or batchwatch/journal loads no node:sqlite; opening a journal does', () => {
    const url = (entry: string) =>
      JSON.stringify(new URL(`../../lib/${entry}`, import.meta.url).href);
    const script = `const loaded = () => process.moduleLoadList.some((m) => /sqlite/.test(m));
await import(${url('index.ts')});
const afterRoot = loaded();
const { SqliteJournal } = await import(${url('journal/index.ts')});
const afterJournal = loaded();
new SqliteJournal({ path: ':memory:' });
console.log(JSON.stringify([afterRoot, afterJournal, loaded()]));`;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
    });
    expect(child.stderr).toBe('');
    expect(JSON.parse(child.stdout)).toEqual([false, false, true]);
  });
});

describe('what importing an entry point loads', () => {
  // lib/ takes each rxjs operator from its own module (rxjs/internal/*, the same CommonJS modules
  // the rxjs index re-exports in Node), so that `import('batchwatch')` does not load rxjs's 223.
  it.each(['index.ts', 'testing/index.ts', 'jfs/index.ts'])('%s loads no rxjs index', (entry) => {
    const script = `import { registerHooks } from 'node:module';
const urls = [];
registerHooks({ load(url, context, next) { urls.push(url); return next(url, context); } });
await import(${JSON.stringify(new URL(`../../lib/${entry}`, import.meta.url).href)});
console.log(JSON.stringify(urls));`;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
    });
    expect(child.stderr).toBe('');
    const urls = JSON.parse(child.stdout) as string[];
    expect(urls.some((url) => url.includes('/node_modules/rxjs/'))).toBe(true);
    expect(urls.filter((url) => /\/node_modules\/rxjs\/dist\/[^/]+\/index\.js$/.test(url))).toEqual(
      [],
    );
  });
});

describe('node:crypto loads when first needed', () => {
  // About 10 ms of an import of the package on the test machine; only checkpoints and links hash.
  it('importing batchwatch loads no node:crypto; hashing a path of a snapshot does', () => {
    const url = (entry: string) =>
      JSON.stringify(new URL(`../../lib/${entry}`, import.meta.url).href);
    const script = `const loaded = () => process.moduleLoadList.includes('NativeModule crypto');
await import(${url('index.ts')});
const afterRoot = loaded();
const { pathHash } = await import(${url('sources/file/path-table.ts')});
const afterTable = loaded();
const hash = pathHash('/some/path');
console.log(JSON.stringify([afterRoot, afterTable, loaded(), hash === pathHash('/some/path')]));`;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
    });
    expect(child.stderr).toBe('');
    expect(JSON.parse(child.stdout)).toEqual([false, false, true, true]);
  });
});

describe('ioredis loads with the Redis journal only', () => {
  it('importing batchwatch loads no ioredis; importing batchwatch/journal does', () => {
    const url = (entry: string) =>
      JSON.stringify(new URL(`../../lib/${entry}`, import.meta.url).href);
    const script = `import { registerHooks } from 'node:module';
const urls = [];
registerHooks({ load(url, context, next) { urls.push(url); return next(url, context); } });
const loaded = () => urls.some((u) => u.includes('/node_modules/ioredis/'));
await import(${url('index.ts')});
const afterRoot = loaded();
await import(${url('journal/index.ts')});
console.log(JSON.stringify([afterRoot, loaded()]));`;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
    });
    expect(child.stderr).toBe('');
    expect(JSON.parse(child.stdout)).toEqual([false, true]);
  });
});
