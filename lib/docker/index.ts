// `batchwatch/docker`: Docker container events. The only entry point that loads dockerode (an
// optional peer dependency: `npm install dockerode`).

export type {
  DockerClient,
  DockerConnection,
  DockerConnectionOptions,
  DockerContainerSummary,
  DockerContainersQuery,
  DockerEventsQuery,
  DockerodeLike,
} from '../sources/docker/docker-client.ts';
export { dockerClient } from '../sources/docker/docker-client.ts';
export {
  DockerMalformedEventError,
  DockerReconnectGaveUpError,
  DockerRequestRefusedError,
  DockerSourceError,
  DockerStreamError,
} from '../sources/docker/docker-errors.ts';
export { dockerSource } from '../sources/docker/docker-source.ts';
export type { DockerSourceOptions } from '../sources/docker/docker-source-options.ts';
export { InitialState } from '../sources/docker/docker-source-options.ts';
export type { InitialDockerEvent } from '../sources/docker/initial-events.ts';
