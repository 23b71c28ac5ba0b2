// A reverse proxy's route table (container name -> host:port, from labels), kept up to date from
// Docker events: applied per batch, rebuilt from a full list on ForceReload, never lost to a
// failed list. Run against any dockerd (DOCKER_HOST is honoured):
//   npx node examples/route-reloader.ts
//   docker run -d --label route.port=8080 --name web busybox sleep 600
import Dockerode from 'dockerode';
import { dockerSource } from '../lib/docker/index.ts';
import { Action, type Event, EventQueue, isContainerStop } from '../lib/index.ts';

type Routes = Map<string, string>;

const docker = new Dockerode(); // DOCKER_HOST, or the local socket
let routes: Routes = new Map();

/** `route.host` (default: the container name) and `route.port` labels -> `host:port`. */
function target(name: string, labels: Readonly<Record<string, string>>): string {
  return `${labels['route.host'] ?? name}:${labels['route.port']}`;
}

async function list(): Promise<Routes> {
  const running = await docker.listContainers({ filters: { label: ['route.port'] } });
  const table: Routes = new Map();
  for (const c of running) {
    const name = (c.Names[0] ?? c.Id).replace(/^\//, '');
    if (c.State === 'running') table.set(name, target(name, c.Labels));
  }
  return table;
}

function apply(table: Routes, event: Event): void {
  const { action, actorName: name } = event;
  if (action === Action.ContainerStart || action === Action.ContainerUnpause) {
    table.set(name, target(name, event.actorAttributes));
  } else if (
    isContainerStop(action) ||
    action === Action.ContainerPause ||
    action === Action.ContainerDestroy
  ) {
    table.delete(name);
  }
}

function printChanges(before: Routes, after: Routes): void {
  for (const [name, to] of after) {
    if (!before.has(name)) console.log(`  + ${name} -> ${to}`);
    else if (before.get(name) !== to) console.log(`  ~ ${name} -> ${to}`);
  }
  for (const name of before.keys()) if (!after.has(name)) console.log(`  - ${name}`);
}

const queue = new EventQueue({
  flushInterval: 200,
  // A failed re-list throws: the queue tries the batch again (merged with newer events) later.
  maxRetries: 20,
  onFlush: async (batch) => {
    let next: Routes = new Map(routes);
    let reason = `${batch.length} event(s)`;
    if (batch.some((e) => e.action === Action.ForceReload)) {
      try {
        // The list already holds every change of this batch: no event needs applying.
        next = await list();
        reason = 're-listed containers';
      } catch (err) {
        console.log(
          `re-list failed, keeping the last good table (${routes.size} route(s)): ${(err as Error).message}`,
        );
        throw err;
      }
    } else {
      for (const event of batch) apply(next, event);
    }
    console.log(`routes (${reason}): ${next.size} route(s)`);
    printChanges(routes, next);
    routes = next;
  },
  onError: (error) => console.log(`error: ${error.message}`),
});

const source = dockerSource({ labels: ['route.port'], initialState: 'force-reload' });
source.status$.subscribe((status) => console.log(`docker: ${status.kind}`));
source.warnings$.subscribe((warning) => console.log(`warning: ${warning.message}`));
queue.start(source);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, async () => {
    await queue.drain();
    console.log('final routes', Object.fromEntries(routes));
  });
}
