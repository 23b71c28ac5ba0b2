// The Docker source keeps its resume point in a checkpoint store (the queue's journal) and, started
// again, resumes from it with `since` as after a retry: a ForceReload only if dockerd lost it.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Action, type Event } from '../../../../lib/index.ts';
import { SqliteJournal } from '../../../../lib/journal/sqlite-journal.ts';
import { dockerSource } from '../../../../lib/sources/docker/docker-source.ts';
import { FakeDockerClient, writeChunked } from './fake-docker-client.ts';
import { fixture } from './fixture.ts';

const lifecycle = fixture('lifecycle').lines;
const timeOf = (line: string): string => {
  const nano = /"timeNano":(\d+)/.exec(line)?.[1] as string;
  return `${nano.slice(0, 10)}.${nano.slice(10)}`;
};

const journals: SqliteJournal[] = [];
const subscriptions: { unsubscribe(): void }[] = [];
afterEach(async () => {
  for (const subscription of subscriptions.splice(0)) subscription.unsubscribe();
  for (const journal of journals.splice(0)) await journal.close();
});

function run(journal: SqliteJournal, setup: (client: FakeDockerClient) => void = () => {}) {
  const client = new FakeDockerClient();
  setup(client);
  const source = dockerSource({
    docker: client,
    retry: () => 1,
    initialState: 'containers',
    checkpoint: journal,
  });
  const events: Event[] = [];
  subscriptions.push(source.subscribe((event) => events.push(event)));
  const names = () =>
    events.map((e) => (e.action === Action.ForceReload ? 'RELOAD' : `${e.action}:${e.actorName}`));
  return { client, source, events, names };
}

function openJournal(): SqliteJournal {
  const journal = new SqliteJournal({ path: ':memory:' });
  journals.push(journal);
  return journal;
}

describe('dockerSource checkpoint', () => {
  it('saves the newest event after each one, and resumes from it without relisting', async () => {
    const journal = openJournal();
    const first = run(journal);
    await first.source.ready();
    writeChunked(first.client.stream, lifecycle.slice(0, 5));
    await vi.waitFor(() => expect(first.events).toHaveLength(5));
    const saved = JSON.parse(journal.checkpoint('docker') as string) as { newest: string };
    expect(timeOf(`"timeNano":${saved.newest}`)).toBe(timeOf(lifecycle[4] as string));
    subscriptions.pop()?.unsubscribe(); // the process "stops"

    const list = vi.fn(async () => []);
    const second = run(journal, (client) => {
      client.list = list;
      client.replay = (asked) =>
        asked === timeOf(lifecycle[4] as string) ? [lifecycle[4] as string] : [];
    });
    await second.source.ready();
    expect(second.client.streamQueries[0]?.since).toBe(timeOf(lifecycle[4] as string));
    // dockerd replays from `since` (inclusive): the event seen last is dropped as a duplicate.
    writeChunked(second.client.stream, lifecycle.slice(4));
    await vi.waitFor(() => expect(second.events).toHaveLength(lifecycle.length - 5));
    expect(second.names()).not.toContain('RELOAD');
    expect(list).not.toHaveBeenCalled();
    expect(second.source.stats()).toMatchObject({ duplicates: 1, forceReloads: 0 });
  });

  it('reports a ForceReload when dockerd no longer holds the checkpoint event', async () => {
    const journal = openJournal();
    const first = run(journal);
    await first.source.ready();
    writeChunked(first.client.stream, lifecycle.slice(0, 3));
    await vi.waitFor(() => expect(first.events).toHaveLength(3));
    subscriptions.pop()?.unsubscribe();

    const second = run(journal, (client) => {
      client.replay = () => []; // dockerd restarted meanwhile: its buffer is empty
    });
    await second.source.ready();
    writeChunked(second.client.stream, lifecycle.slice(5, 6));
    await vi.waitFor(() => expect(second.events).toHaveLength(2));
    expect(second.names()[0]).toBe('RELOAD');
    expect(second.source.stats()).toMatchObject({ forceReloads: 1 });
  });

  it('reports a ForceReload for an unreadable checkpoint, and lists nothing', async () => {
    const journal = openJournal();
    journal.setCheckpoint('docker', '{"newest":"12x"}');
    const list = vi.fn(async () => []);
    const w = run(journal, (client) => {
      client.list = list;
    });
    await w.source.ready();
    expect(w.client.streamQueries[0]?.since).toBeUndefined();
    expect(w.names()).toEqual(['RELOAD']);
    expect(list).not.toHaveBeenCalled();
  });

  it('without a checkpoint, starts as before (the initial state)', async () => {
    const journal = openJournal();
    const list = vi.fn(async () => []);
    const w = run(journal, (client) => {
      client.list = list;
    });
    await w.source.ready();
    expect(list).toHaveBeenCalledOnce();
    expect(w.client.streamQueries[0]?.since).toBeUndefined();
  });
});
