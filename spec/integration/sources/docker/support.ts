// Helpers shared by the Docker source's integration specs: the private dockerd of the global
// setup, containers labelled per test (so that parallel spec files never see each other's), and
// the ground truth of `docker events`.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { Action, dockerActionMap, type Event } from '../../../../lib/index.ts';
import { attachDockerd, docker, type PrivateDockerd } from '../../../support/dockerd.ts';

/** The private dockerd the global setup started (never the machine's own). */
export function sharedDockerd(): PrivateDockerd {
  return attachDockerd(inject('dockerDir'));
}

/** A label value unique to one test: its containers carry `batchwatch.test=<run>`. */
export function testRun(): { readonly id: string; readonly label: string } {
  const id = randomBytes(4).toString('hex');
  return { id, label: `batchwatch.test=${id}` };
}

/** Removes every container of a test run. */
export async function removeRunContainers(daemon: PrivateDockerd, label: string): Promise<void> {
  const ids = (await docker(daemon, ['ps', '-aq', '--filter', `label=${label}`]))
    .split('\n')
    .filter((id) => id !== '');
  if (ids.length > 0) await docker(daemon, ['rm', '-f', ...ids]);
}

/** One event as comparable text: `<action name> <container name> <id prefix> <ms>`. */
export function eventKey(event: Event): string {
  return `${event.action} ${event.actorName} ${event.actorId.slice(0, 12)} ${event.time}`;
}

interface CliMessage {
  readonly Action: string;
  readonly Actor: { readonly ID: string; readonly Attributes: Readonly<Record<string, string>> };
}

/**
 * `docker events --format '{{json .}}'` streaming from now on for the run's containers: the
 * ground truth. Stop it with `stop()` once `done` says it has seen everything.
 */
export function cliEvents(daemon: PrivateDockerd, label: string) {
  const child = spawn(
    'docker',
    [
      '-H',
      daemon.host,
      'events',
      '--filter',
      'type=container',
      '--filter',
      `label=${label}`,
      '--format',
      '{{json .}}',
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const lines: string[] = [];
  let partial = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts.filter((line) => line !== ''));
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    /** Every message seen, parsed (`timeNano` is rounded there). */
    messages: (): CliMessage[] => lines.map((line) => JSON.parse(line) as CliMessage),
    /** The messages as the source should have mapped them (unmapped actions left out), as {@link eventKey}. */
    expected: (): string[] =>
      lines.flatMap((line) => {
        const m = JSON.parse(line) as CliMessage;
        const action = dockerActionMap[m.Action];
        // timeNano does not fit a double: read it from the text.
        const nanos = BigInt(/"timeNano":(\d+)/.exec(line)?.[1] ?? '0');
        if (action === undefined) return [];
        return [
          `${action} ${m.Actor.Attributes['name']} ${m.Actor.ID.slice(0, 12)} ${nanos / 1_000_000n}`,
        ];
      }),
    async stop(): Promise<void> {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Counts the events of one action. */
export function countOf(events: readonly Event[], action: Action): number {
  return events.filter((event) => event.action === action).length;
}

export { Action };
