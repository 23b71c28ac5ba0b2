// `watch --jfs` as a newcomer runs it: the identity as a flag, and the proxy's refusal printed.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { cleanupAfterEach } from '../../support/cleanups.ts';
import { type CliProcess, runCli, stopCli } from '../../support/cli-process.ts';
import { freePort } from '../../support/redis-server.ts';
import { nodeWithMounts } from './jfs-fault-support.ts';

const cleanup = cleanupAfterEach();
/** No identity from the environment: what a shell outside Kubernetes has. */
const noIdentity = { NAMESPACE: '', POD_NAME: '', CONTAINER_NAME: '', NOTIFY_SERVER: '' };

function start(args: readonly string[], env: NodeJS.ProcessEnv = {}): CliProcess {
  const cli = runCli(args, { env });
  cleanup(() => stopCli(cli));
  return cli;
}

async function proxyFor(mounts: string): Promise<string> {
  const port = await freePort();
  const proxy = start([
    'proxy',
    '--mounts',
    mounts,
    '--listen',
    `127.0.0.1:${port}`,
    '--redis',
    `127.0.0.1:${inject('redisPort')}`,
    '--feed',
    'stream',
    '--debounce',
    '50',
  ]);
  await proxy.waitForStderr('redis ready');
  expect(proxy.stderr()).toContain(
    'batchwatch proxy: feed stream: reading the stream only (replayed after any Redis disconnection)',
  );
  return `127.0.0.1:${port}`;
}

describe('batchwatch watch --jfs: identity and refusals (real proxy, daemon and Redis)', () => {
  it('takes the pod as --jfs-pod NAMESPACE/POD/CONTAINER, with no environment variable set', async () => {
    const { node, mounts } = await nodeWithMounts(cleanup, 'bw-identity-');
    const daemon = start(['daemon', '--redis', `127.0.0.1:${inject('redisPort')}`]);
    await daemon.waitForStderr('batchwatch daemon: watching');
    const server = await proxyFor(mounts);
    const watch = start(
      [
        'watch',
        '--jfs',
        server,
        '--jfs-path',
        '/data',
        '--jfs-pod',
        'default/web-0/app',
        '--interval',
        '50',
      ],
      noIdentity,
    );
    await watch.waitForStderr('jfs ready');
    await writeFile(join(node, 'by-flag.txt'), 'x');
    await watch.waitForLine((line) => line.includes('/data/by-flag.txt'), 20_000);
    expect(watch.stderr()).not.toContain('refused');
  }, 60_000);

  it("prints the proxy's refusal of a WATCH: an unknown pod, a path outside the mounts", async () => {
    const { mounts } = await nodeWithMounts(cleanup, 'bw-identity-');
    const server = await proxyFor(mounts);
    // No identity at all: the proxy knows no container "default/<hostname>/default".
    const unknown = start(['watch', '--jfs', server, '--jfs-path', '/data'], {
      ...noIdentity,
      HOSTNAME: 'laptop',
    });
    await unknown.waitForStderr('refused');
    expect(unknown.stderr()).toContain(
      `batchwatch: jfs warning: ${server} refused to watch anything for "default/laptop/default/batchwatch": ` +
        'WATCH for channel "default/laptop/default/batchwatch" dropped: no container with that namespace, pod and name is known.',
    );
    const outside = start(
      ['watch', '--jfs', server, '--jfs-path', '/etc', '--jfs-pod', 'default/web-0/app'],
      noIdentity,
    );
    await outside.waitForStderr('refused');
    expect(outside.stderr()).toContain(
      `refused to watch "/etc" for "default/web-0/app/batchwatch": WATCH of "/etc" for channel ` +
        '"default/web-0/app/batchwatch" dropped: it is not inside any hostPath mount of the container.',
    );
  }, 60_000);
});
