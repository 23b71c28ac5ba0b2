// `batchwatch watch --state-dir DIR`: killed with SIGKILL and started again with the same DIR, it
// prints what it had not acknowledged, marked redelivered; dead letters listed and replayed.
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Action } from '../../../lib/events/action.ts';
import { createEvent } from '../../../lib/events/event.ts';
import { loadSqlite } from '../../../lib/journal/load-sqlite.ts';
import { openStateDir } from '../../../lib/journal/state-dir.ts';
import { readTreeSnapshot } from '../../../lib/sources/file/stored-snapshot.ts';
import { runCli } from '../../support/cli-process.ts';
import { journalRows } from '../../support/journal-rows.ts';

let dir: string;
let watched: string;
let state: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'batchwatch-state-'));
  watched = join(dir, 'tree');
  state = join(dir, 'state');
  await import('node:fs/promises').then((fs) => fs.mkdir(watched));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The paths in the file source's saved tree snapshot. */
function snapshotPaths(): string[] {
  const db = new (loadSqlite().DatabaseSync)(join(state, 'journal.sqlite'), { readOnly: true });
  try {
    const read = db.prepare('SELECT value FROM checkpoints WHERE name = ?');
    const checkpoint = (name: string) => (read.get(name) as { value: string } | undefined)?.value;
    return [...(readTreeSnapshot({ checkpoint }, 'file')?.keys() ?? [])];
  } finally {
    db.close();
  }
}

/** The checkpoints saved in the journal. */
function checkpointNames(): string[] {
  const db = new (loadSqlite().DatabaseSync)(join(state, 'journal.sqlite'), { readOnly: true });
  try {
    return (db.prepare('SELECT name FROM checkpoints').all() as { name: string }[]).map(
      (r) => r.name,
    );
  } finally {
    db.close();
  }
}

/** Records in the journal not acknowledged yet, read through a second connection. */
function pendingRecords(): number {
  const db = new (loadSqlite().DatabaseSync)(join(state, 'journal.sqlite'), { readOnly: true });
  try {
    return journalRows(db).length;
  } finally {
    db.close();
  }
}

describe('batchwatch watch --state-dir', () => {
  it('after a SIGKILL, prints the batch it had not acknowledged, marked redelivered, once', async () => {
    // A window longer than the test: the events are journaled, never flushed before the kill.
    const first = runCli(['watch', watched, '--state-dir', state, '--interval', '600000']);
    await first.waitForStderr('file ready');
    await writeFile(join(watched, 'a.txt'), 'a');
    await writeFile(join(watched, 'b.txt'), 'b');
    await vi.waitFor(() => expect(pendingRecords()).toBe(2), { timeout: 10_000 });
    // The tree snapshot follows what was delivered to the queue: a, b are not reported again.
    await vi.waitFor(() => expect(snapshotPaths()).toContain(join(watched, 'b.txt')), {
      timeout: 10_000,
    });
    first.child.kill('SIGKILL');
    expect(await first.exit).toBe('SIGKILL');
    expect(first.stdoutLines()).toEqual([]);

    const second = runCli(['watch', watched, '--state-dir', state, '--interval', '50']);
    await second.waitForLine((line) => line === '  created b.txt');
    expect(second.stdoutLines()).toEqual([
      expect.stringMatching(/^batch 1 · 2 events · \d\d:\d\d:\d\d · redelivered$/),
      '  created a.txt',
      '  created b.txt',
    ]);
    await vi.waitFor(() => expect(pendingRecords()).toBe(0));
    second.child.kill('SIGINT');
    expect(await second.exit).toBe(0);

    // Acknowledged: a third start redelivers nothing.
    const third = runCli(['watch', watched, '--state-dir', state, '--interval', '50']);
    await third.waitForStderr('file ready');
    await writeFile(join(watched, 'c.txt'), 'c');
    await third.waitForLine((line) => line === '  created c.txt');
    expect(third.stdoutLines()[0]).toMatch(/^batch 1 · 1 event · \d\d:\d\d:\d\d$/);
    third.child.kill('SIGINT');
    expect(await third.exit).toBe(0);
  });

  it('after a SIGKILL, prints the file changes made while it was down', async () => {
    await writeFile(join(watched, 'edit.txt'), 'v1');
    await writeFile(join(watched, 'gone.txt'), 'g');
    await writeFile(join(watched, 'old.txt'), 'o');
    const first = runCli(['watch', watched, '--state-dir', state, '--interval', '50']);
    await first.waitForStderr('file ready');
    // The tree snapshot is committed with the journal.
    await vi.waitFor(() => expect(checkpointNames()).toContain('file'), { timeout: 10_000 });
    first.child.kill('SIGKILL');
    expect(await first.exit).toBe('SIGKILL');

    await writeFile(join(watched, 'edit.txt'), 'version two');
    await rm(join(watched, 'gone.txt'));
    await rename(join(watched, 'old.txt'), join(watched, 'new.txt'));
    await writeFile(join(watched, 'made.txt'), 'm');

    const second = runCli(['watch', watched, '--state-dir', state, '--interval', '50']);
    await second.waitForLine((line) => line === '  written edit.txt');
    expect(second.stdoutLines()).toEqual([
      expect.stringMatching(/^batch 1 · 4 events · \d\d:\d\d:\d\d$/),
      '  renamed old.txt -> new.txt',
      '  deleted gone.txt',
      '  created made.txt',
      '  written edit.txt',
    ]);
    second.child.kill('SIGINT');
    expect(await second.exit).toBe(0);
  });

  it('lists dead letters and replays them', async () => {
    const journal = openStateDir(state);
    const events = ['x.txt', 'y.txt'].map((name) =>
      createEvent({ type: 'file', actorName: name, action: Action.FileWritten, time: 1 }),
    );
    for (const event of events) journal.append(event);
    journal.commit();
    journal.deadLetter(2, events, 3, 'reload failed');
    await journal.close();

    const list = runCli(['watch', '--state-dir', state, '--dead-letters']);
    expect(await list.exit).toBe(0);
    expect(list.stdoutLines()).toEqual([
      expect.stringMatching(/^dead letter 1 · 2 event\(s\) · 3 tries · .* · reload failed$/),
      '  written x.txt',
      '  written y.txt',
    ]);

    const replay = runCli([
      'watch',
      watched,
      '--state-dir',
      state,
      '--replay',
      'all',
      '--interval',
      '50',
    ]);
    await replay.waitForLine((line) => line === '  written y.txt');
    expect(replay.stderr()).toContain('dead letter 1 replayed: 2 event(s)');
    expect(replay.stdoutLines()[0]).toMatch(/^batch 1 · 2 events · \d\d:\d\d:\d\d · redelivered$/);
    replay.child.kill('SIGINT');
    expect(await replay.exit).toBe(0);

    const empty = runCli(['watch', '--state-dir', state, '--dead-letters', '--format', 'json']);
    expect(await empty.exit).toBe(0);
    expect(empty.stdoutLines()).toEqual([]);
  });
});
