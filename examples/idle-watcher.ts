// An idle-watcher: containers labelled `idle.timeout=<seconds>` are tracked as awake, napping or
// paused from their lifecycle events, and really stopped (through dockerode) once awake for the
// timeout. Run against any dockerd (DOCKER_HOST is honoured):
//   npx node examples/idle-watcher.ts
//   docker run -d --init --label idle.timeout=3 --name sleepy busybox sleep 600
import Dockerode from 'dockerode';
import { dockerSource } from '../lib/docker/index.ts';
import {
  Action,
  type Event,
  EventQueue,
  isContainerPause,
  isContainerStart,
  isContainerStop,
} from '../lib/index.ts';

type State = 'awake' | 'napping' | 'paused';
interface Watch {
  state: State;
  timer?: NodeJS.Timeout;
}

const docker = new Dockerode(); // DOCKER_HOST, or the local socket
const watches = new Map<string, Watch>();

function set(event: Event, state: State): void {
  const { actorId: id, actorName: name } = event;
  const watch = watches.get(id) ?? { state };
  clearTimeout(watch.timer);
  delete watch.timer;
  if (watch.state !== state || !watches.has(id)) console.log(`${name}: ${state}`);
  watch.state = state;
  watches.set(id, watch);
  if (state !== 'awake') return;
  const seconds = Number(event.actorAttributes['idle.timeout']);
  watch.timer = setTimeout(async () => {
    console.log(`${name}: idle for ${seconds}s, stopping it`);
    try {
      await docker.getContainer(id).stop();
    } catch (err) {
      console.log(`${name}: stop failed: ${(err as Error).message}`);
    }
  }, seconds * 1000);
}

function onEvent(event: Event): void {
  const { action } = event;
  if (action === Action.ContainerDestroy) {
    clearTimeout(watches.get(event.actorId)?.timer);
    if (watches.delete(event.actorId)) console.log(`${event.actorName}: destroyed, watch ended`);
  } else if (isContainerPause(action)) set(event, 'paused');
  else if (isContainerStop(action)) set(event, 'napping');
  // A create is start-class, but the container is not running yet.
  else if (isContainerStart(action) && action !== Action.ContainerCreate) set(event, 'awake');
}

const queue = new EventQueue({
  flushInterval: 100,
  onFlush: (batch) => batch.forEach(onEvent),
  onError: (error) => console.log(`error: ${error.message}`),
});
// 'containers': a start (or pause) event per labelled container already running, first.
const source = dockerSource({ labels: ['idle.timeout'], initialState: 'containers' });
source.status$.subscribe((status) => console.log(`docker: ${status.kind}`));
queue.start(source);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, async () => {
    await queue.drain();
    for (const watch of watches.values()) clearTimeout(watch.timer);
    console.log('watching', watches.size, 'container(s) at exit');
  });
}
