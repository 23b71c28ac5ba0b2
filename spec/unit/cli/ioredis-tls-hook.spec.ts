// In a child node process (module hooks are per process): ioredis gets node:tls on demand, nothing
// else is redirected, and the proxy command's modules load neither the rxjs index nor node:tls.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const lib = (path: string): string =>
  JSON.stringify(new URL(`../../../lib/${path}`, import.meta.url).href);

/** Runs `body` as an ES module after the CLI's hook is installed; returns what it printed. */
function inChild(body: string): unknown {
  const script = `import { tlsOnDemandForIoredis } from ${lib('cli/ioredis-tls-hook.ts')};
tlsOnDemandForIoredis();
const loaded = () => process.moduleLoadList.includes('NativeModule tls');
${body}`;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: new URL('../../..', import.meta.url),
    encoding: 'utf8',
  });
  expect(child.stderr).toBe('');
  return JSON.parse(child.stdout);
}

describe('node:tls on demand for ioredis (batchwatch CLI)', () => {
  it('ioredis imports without node:tls, which loads on the first TLS connection', () => {
    const result = inChild(`
import { createRequire } from 'node:module';
import { Duplex } from 'node:stream';
await import('ioredis');
const atImport = loaded();
const tls = createRequire(import.meta.resolve('ioredis'))('tls');
const socket = tls.connect({ socket: new Duplex({ read() {}, write(_c, _e, done) { done(); } }) });
const real = await import('node:tls');
console.log(JSON.stringify({ atImport, afterConnect: loaded(), isTlsSocket: socket instanceof real.TLSSocket, ownImportIsReal: real.connect !== tls.connect }));
socket.destroy();`);
    expect(result).toEqual({
      atImport: false,
      afterConnect: true,
      isTlsSocket: true,
      ownImportIsReal: true,
    });
  });

  it('batchwatch proxy loads neither the rxjs index, node:tls, nor the other heavy dependencies', () => {
    const urls = inChild(`
import { registerHooks } from 'node:module';
const urls = [];
registerHooks({ load(url, context, next) { urls.push(url); return next(url, context); } });
await import(${lib('cli/server-commands.ts')});
await import(${lib('jfs-proxy/jfs-proxy.ts')});
await import(${lib('jfs-proxy/static-mount-resolver.ts')});
if (loaded()) urls.push('node:tls');
console.log(JSON.stringify(urls));`) as string[];
    expect(urls.some((url) => url.includes('/node_modules/ioredis/'))).toBe(true);
    expect(
      urls.filter((url) =>
        /\/node_modules\/(rxjs\/dist\/[^/]+\/index\.js|chokidar|dockerode|prom-client|@kubernetes)|^node:tls$/.test(
          url,
        ),
      ),
    ).toEqual([]);
  });
});
