import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { describe, expect, it, vi } from 'vitest';
import { JfsDaemon } from '../../../lib/jfs-daemon/jfs-daemon.ts';
import { cleanupAfterEach } from '../../support/cleanups.ts';
import { runCli, stopCli } from '../../support/cli-process.ts';
import { freePort, startRedis, stopRedis } from '../../support/redis-server.ts';
import { nodeDir } from '../jfs-proxy/support.ts';

const cleanup = cleanupAfterEach();
const run = promisify(execFile);

/** A CA made here, a server certificate for 127.0.0.1 and a client certificate, signed by it. */
async function makeCa(dir: string): Promise<void> {
  const openssl = (...args: string[]) => run('openssl', args, { cwd: dir });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await openssl(
    'req',
    '-x509',
    ...ec,
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '1',
    '-subj',
    '/CN=batchwatch test CA',
  );
  await writeFile(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1\n');
  for (const who of ['server', 'client']) {
    await openssl(
      'req',
      ...ec,
      '-keyout',
      `${who}.key`,
      '-out',
      `${who}.csr`,
      '-subj',
      `/CN=${who}`,
    );
    await openssl(
      'x509',
      '-req',
      '-in',
      `${who}.csr`,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${who}.pem`,
      '-days',
      '1',
      ...(who === 'server' ? ['-extfile', 'server.ext'] : []),
    );
  }
}

/** redis-server with a TLS port that requires client certificates (and its plain port for checks). */
async function tlsRedis() {
  const dir = await mkdtemp(join(tmpdir(), 'bw-tls-'));
  cleanup(() => rm(dir, { recursive: true, force: true }));
  await makeCa(dir);
  const tlsPort = await freePort();
  const server = await startRedis({
    args: [
      '--tls-port',
      String(tlsPort),
      '--tls-cert-file',
      join(dir, 'server.pem'),
      '--tls-key-file',
      join(dir, 'server.key'),
      '--tls-ca-cert-file',
      join(dir, 'ca.pem'),
      '--tls-auth-clients',
      'yes',
    ],
  });
  cleanup(() => stopRedis(server));
  const plain = new Redis({ port: server.port, lazyConnect: true });
  cleanup(() => plain.disconnect());
  await plain.connect();
  return { dir, tlsPort, plain };
}

describe('Redis over TLS with a private CA', () => {
  it('the daemon (library) appends through rediss:// with the CA, certificate and key given', async () => {
    const { dir, tlsPort, plain } = await tlsRedis();
    const node = await nodeDir();
    cleanup(node.cleanup);
    const daemon = await JfsDaemon.start({
      paths: [node.dir],
      followProxies: false,
      redisAddr: `rediss://127.0.0.1:${tlsPort}`,
      redisTls: {
        ca: await readFile(join(dir, 'ca.pem')),
        cert: await readFile(join(dir, 'client.pem')),
        key: await readFile(join(dir, 'client.key')),
      },
      env: {},
    });
    cleanup(() => daemon.close());
    await writeFile(join(node.dir, 'tls.txt'), 'x');
    await vi.waitFor(
      async () => {
        const entries = await plain.xrange('jfsnotify:stream', '-', '+');
        expect(JSON.stringify(entries)).toContain('tls.txt');
      },
      { timeout: 10_000 },
    );
  }, 60_000);

  it('the CLI: --redis-ca/--redis-cert/--redis-key work; without the CA the TLS reason is printed once', async () => {
    const { dir, tlsPort, plain } = await tlsRedis();
    const node = await nodeDir();
    cleanup(node.cleanup);
    const url = `rediss://127.0.0.1:${tlsPort}`;
    const files = [
      '--redis-ca',
      join(dir, 'ca.pem'),
      '--redis-cert',
      join(dir, 'client.pem'),
      '--redis-key',
      join(dir, 'client.key'),
    ];
    const good = runCli(['daemon', '--no-follow', node.dir, '--redis', url, ...files]);
    cleanup(() => stopCli(good));
    await good.waitForStderr('watching 1 path(s)');
    await writeFile(join(node.dir, 'cli.txt'), 'x');
    await vi.waitFor(
      async () => {
        const entries = await plain.xrange('jfsnotify:stream', '-', '+');
        expect(JSON.stringify(entries)).toContain('cli.txt');
      },
      { timeout: 10_000 },
    );
    expect(good.stderr()).not.toMatch(/cannot use/);

    const untrusting = runCli(['daemon', '--no-follow', node.dir, '--redis', url]);
    cleanup(() => stopCli(untrusting));
    await untrusting.waitForStderr('watching 1 path(s)');
    untrusting.child.kill('SIGINT');
    expect(await untrusting.exit).toBe(0);
    const reasons = untrusting
      .stderr()
      .split('\n')
      .filter((line) => line.includes('cannot use'));
    expect(reasons, untrusting.stderr()).toHaveLength(1);
    expect(reasons[0]).toMatch(/rediss:\/\/127\.0\.0\.1:\d+: .*(certificate|self.signed)/i);

    const half = runCli([
      'daemon',
      node.dir,
      '--redis',
      url,
      '--redis-cert',
      join(dir, 'client.pem'),
    ]);
    expect(await half.exit).toBe(2);
    expect(half.stderr()).toMatch(/--redis-cert and --redis-key go together/);
  }, 60_000);
});
