import { asyncScheduler } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { OptionsError } from '../../../../lib/index.ts';
import { fileSource } from '../../../../lib/sources/file/file-source.ts';
import {
  type FileSourceOptions,
  resolveFileSourceOptions,
} from '../../../../lib/sources/file/file-source-options.ts';

describe('resolveFileSourceOptions', () => {
  it('fills the documented defaults and freezes the result', () => {
    const resolved = resolveFileSourceOptions({});
    expect(resolved).toEqual({
      ignored: [],
      depth: Number.POSITIVE_INFINITY,
      polling: null,
      awaitWriteFinish: false,
      ignoreInitial: true,
      renameWindow: 100,
      reportDotDotEntries: false,
      scheduler: asyncScheduler,
      checkpoint: null,
      checkpointName: 'file',
    });
    expect(Object.isFrozen(resolved)).toBe(true);
  });

  it('takes a checkpoint store and its name, and refuses what is not one', () => {
    const store = { checkpoint: () => undefined, setCheckpoint: () => {} };
    expect(resolveFileSourceOptions({ checkpoint: store, checkpointName: 'tree' })).toMatchObject({
      checkpoint: store,
      checkpointName: 'tree',
    });
    expect(() => resolveFileSourceOptions({ checkpoint: {} as never })).toThrow(
      /Bad option checkpoint/,
    );
    expect(() => resolveFileSourceOptions({ checkpointName: '' })).toThrow(
      /Bad option checkpointName/,
    );
    // Kept for the changes saved beside a snapshot (`<name>:changes`).
    expect(() => resolveFileSourceOptions({ checkpointName: 'tree:changes' })).toThrow(
      /not ending in ':changes'/,
    );
  });

  it('normalizes polling, awaitWriteFinish and a single ignored matcher', () => {
    const skip = (path: string): boolean => path.endsWith('.log');
    expect(
      resolveFileSourceOptions({
        ignored: skip,
        polling: true,
        awaitWriteFinish: { stabilityThreshold: 300 },
        depth: 0,
        renameWindow: 0,
      }),
    ).toMatchObject({
      ignored: [skip],
      polling: 100,
      awaitWriteFinish: { stabilityThreshold: 300, pollInterval: 100 },
      depth: 0,
      renameWindow: 0,
    });
    expect(resolveFileSourceOptions({ polling: 500 })).toMatchObject({
      polling: 500,
      renameWindow: 1000, // twice the interval: a rename across directories needs both polled
    });
    expect(resolveFileSourceOptions({ polling: true }).renameWindow).toBe(200);
    expect(resolveFileSourceOptions({ polling: 10 }).renameWindow).toBe(100);
    expect(resolveFileSourceOptions({ awaitWriteFinish: true }).awaitWriteFinish).toEqual({
      stabilityThreshold: 2000,
      pollInterval: 100,
    });
  });

  it.each([
    ['depth', { depth: -1 }],
    ['depth', { depth: 1.5 }],
    ['polling', { polling: 0 }],
    ['polling', { polling: 'yes' }],
    ['renameWindow', { renameWindow: -5 }],
    ['renameWindow', { renameWindow: Number.NaN }],
    ['ignoreInitial', { ignoreInitial: 'no' }],
    ['reportDotDotEntries', { reportDotDotEntries: 1 }],
    ['ignored', { ignored: [42] }],
    ['awaitWriteFinish', { awaitWriteFinish: 'soon' }],
    ['awaitWriteFinish.pollInterval', { awaitWriteFinish: { pollInterval: 0 } }],
    ['awaitWriteFinish.stable', { awaitWriteFinish: { stable: 1 } }],
    ['ignore', { ignore: /x/ }],
    ['scheduler', { scheduler: {} }],
  ])('rejects a bad %s with an OptionsError naming it', (option, options) => {
    let thrown: unknown;
    try {
      resolveFileSourceOptions(options as FileSourceOptions);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(OptionsError);
    expect(thrown).toMatchObject({ option, code: 'BATCHWATCH_BAD_OPTION' });
  });
});

describe('fileSource', () => {
  it('validates paths and options when created, and watches nothing before a subscription', () => {
    expect(() => fileSource([])).toThrow(OptionsError);
    expect(() => fileSource('')).toThrow(/Bad option paths/);
    expect(() => fileSource(['/tmp'], { depth: -1 })).toThrow(/Bad option depth/);
    const source = fileSource('/nonexistent/config.json');
    expect(source.name).toBe('file');
    expect(source.status).toEqual({ kind: 'idle' });
  });
});
