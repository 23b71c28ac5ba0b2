// A revisioned change feed, polled: catch up from a saved revision, hit a compacted history,
// re-list and restart from the compaction revision, ride out a failing server, then follow.
// A tiny change-feed server runs in this process, so the example needs nothing else.
//
//   npx node examples/poll-feed.ts
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { filter, firstValueFrom } from 'rxjs';
import {
  Action,
  createEvent,
  type Event,
  formatEvent,
  type PollResponse,
  pollSource,
} from '../lib/index.ts';
import { CompactedError } from '../lib/sources/poll/poll-errors.ts';

// --- the server: GET /changes?since=<rev> (etcd-style), GET /snapshot, at most 3 changes a page.
interface Change {
  revision: string;
  key: string;
  op: 'put' | 'delete';
}
const history: Change[] = [];
let compactRevision = 0;
let failNext = 0;
const record = (op: Change['op'], key: string): void => {
  history.push({ revision: String(history.length + 1), key, op });
};
for (const key of ['app.yml', 'db.yml', 'cache.yml', 'app.yml', 'tls.yml', 'db.yml', 'app.yml']) {
  record('put', key);
}
record('delete', 'cache.yml');

const server = createServer((request, response) => {
  const url = new URL(request.url ?? '/', 'http://feed');
  const current = history.length;
  if (failNext > 0) {
    failNext--;
    response.writeHead(503).end('busy');
  } else if (url.pathname === '/snapshot') {
    const live = new Map<string, boolean>();
    for (const change of history) live.set(change.key, change.op === 'put');
    const keys = [...live].filter(([, present]) => present).map(([key]) => key);
    response.end(JSON.stringify({ keys, revision: String(current) }));
  } else {
    const since = Number(url.searchParams.get('since') ?? current);
    const events = history.slice(Math.max(since, compactRevision), since + 3);
    response.end(
      JSON.stringify({
        events,
        currentRevision: String(current),
        compactRevision: String(compactRevision),
      }),
    );
  }
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
compactRevision = 4; // the server forgot revisions 1..4

// --- the client.
const toEvent = (change: Change): Event =>
  createEvent({
    type: 'file',
    actorName: change.key,
    actorId: `/config/${change.key}`,
    actorAttributes: { revision: change.revision },
    action: change.op === 'put' ? Action.FileWritten : Action.FileDeleted,
  });

function follow(startRevision: string) {
  const source = pollSource<Change>({
    startRevision,
    interval: 100,
    retry: (attempt) => 50 * attempt,
    fetch: async ({ sinceRevision, signal }) => {
      const response = await fetch(`${base}/changes?since=${sinceRevision}`, { signal });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      return (await response.json()) as PollResponse<Change>;
    },
    toEvent,
  });
  source.caughtUp$.subscribe((caughtUp) => console.log(`  caught up: ${caughtUp}`));
  source.warnings$.subscribe((warning) => console.log(`  warning: ${warning.message}`));
  return source;
}

console.log('resuming from the saved revision 2');
const stale = follow('2');
const failure = await new Promise<unknown>((resolve) => {
  stale.subscribe({
    next: (event) => console.log(`  unexpected: ${formatEvent(event)}`),
    error: resolve,
  });
});
if (!(failure instanceof CompactedError)) throw failure;
console.log(`  ${failure.name}: ${failure.message}`);

const snapshot = (await (await fetch(`${base}/snapshot`)).json()) as { keys: string[] };
console.log(`re-listed: ${snapshot.keys.join(', ')}`);
console.log(`restarting from the compaction revision ${failure.compactRevision}`);
const source = follow(failure.compactRevision);
let reachedTen = (): void => {};
const tenth = new Promise<void>((resolve) => {
  reachedTen = resolve;
});
// One subscription: the source is cold, a second one would poll on its own from the start.
const subscription = source.subscribe((event) => {
  const revision = event.actorAttributes['revision'];
  console.log(`  r${revision} ${formatEvent(event)}`);
  if (revision === '10') reachedTen();
});
await firstValueFrom(source.caughtUp$.pipe(filter(Boolean)));

console.log('the server fails twice, then two more changes arrive');
failNext = 2;
record('put', 'tls.yml');
record('put', 'app.yml');
await tenth;

subscription.unsubscribe();
console.log(`done at revision ${source.revision}; stats`, source.stats());
server.closeAllConnections(); // fetch keeps connections alive
server.close();
