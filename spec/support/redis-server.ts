// A private redis-server for integration tests: a free port on 127.0.0.1, no persistence, its own
// temp dir. Never the machine's own Redis.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireBinary } from './dockerd.ts';
import { spawnDaemon } from './spawn-daemon.ts';

/** A private redis-server. */
export interface PrivateRedis {
  readonly port: number;
  readonly pid: number;
  /** Its working dir (log file); removed by {@link stopRedis}. */
  readonly dir: string;
}

/**
 * Starts `redis-server --port <free port> --save "" --appendonly no` (plus `extra.args`, such as
 * `--requirepass` or TLS settings) and waits until it answers PING (after AUTH with
 * `extra.password` when given).
 *
 * @throws Error naming scripts/install-test-deps.sh when redis-server is not installed.
 */
export async function startRedis(
  extra: { readonly args?: readonly string[]; readonly password?: string } = {},
): Promise<PrivateRedis> {
  const binary = await requireBinary('redis-server');
  const dir = await mkdtemp(join(tmpdir(), 'bwr-'));
  const port = await freePort();
  const pid = await spawnDaemon({
    binary,
    args: [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
      ...(extra.args ?? []),
    ],
    dir,
    logName: 'redis.log',
    ready: () => pingRedis(port, extra.password),
    timeoutMs: 10_000,
    pollMs: 25,
    what: `private redis-server on port ${port}`,
  });
  return { port, pid, dir };
}

/** Stops the server (SIGTERM, SIGKILL after `timeoutMs`) and removes its dir. */
export async function stopRedis(redis: PrivateRedis, timeoutMs = 5_000): Promise<void> {
  if (await signal(redis.pid, 'SIGTERM')) {
    const deadline = Date.now() + timeoutMs;
    while (await isRunning(redis.pid)) {
      if (Date.now() > deadline) {
        await signal(redis.pid, 'SIGKILL');
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
  await rm(redis.dir, { recursive: true, force: true });
}

/** A TCP port that was free a moment ago: bind port 0 on 127.0.0.1, read it, release it. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** True when something on `port` answers `PING` (after `AUTH password` when given) with `+PONG`. */
export function pingRedis(port: number, password?: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    let reply = '';
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.on('connect', () =>
      socket.write(password === undefined ? 'PING\r\n' : `AUTH ${password}\r\nPING\r\n`),
    );
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
      const lines = reply.split('\r\n');
      const wanted = password === undefined ? 1 : 2;
      if (lines.length > wanted) done(lines[wanted - 1] === '+PONG');
    });
    socket.on('error', () => done(false));
  });
}

async function signal(pid: number, name: NodeJS.Signals): Promise<boolean> {
  try {
    process.kill(pid, name);
    return true;
  } catch {
    return false;
  }
}

async function isRunning(pid: number): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** A redis-server on a fixed port (no persistence), so that it can be killed and started again. */
export class RestartableRedis {
  readonly port: number;
  #child: ChildProcess | null = null;

  constructor(port: number) {
    this.port = port;
  }

  get addr(): string {
    return `127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.#child = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    const deadline = Date.now() + 10_000;
    while (!(await pingRedis(this.port))) {
      if (Date.now() > deadline) throw new Error(`redis-server on port ${this.port} did not start`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  /** SIGKILL: the data is gone. */
  async kill(): Promise<void> {
    const child = this.#child;
    if (child === null || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
}
