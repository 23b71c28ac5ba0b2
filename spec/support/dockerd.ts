// A private dockerd for integration tests and benchmarks: its own socket, data, exec root and
// containerd in a fresh temp dir, no bridge, no iptables. Never the machine's own daemon.
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import {
  access,
  constants,
  copyFile,
  mkdir,
  mkdtemp,
  open,
  readdir,
  readFile,
  rm,
  symlink,
} from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnDaemon } from './spawn-daemon.ts';

/** The image every test container runs: a static busybox and its applets, imported, never pulled. */
export const testImage = 'batchwatch-busybox:test';

/** A private dockerd: where it lives. The process itself is found through its pidfile. */
export interface PrivateDockerd {
  /** The temp dir holding the socket, data root, exec root, pidfile and log. */
  readonly dir: string;
  /** The API socket path. */
  readonly socketPath: string;
  /** `unix://<socketPath>`, for `DOCKER_HOST` and `docker -H`. */
  readonly host: string;
}

/** The handle of a private dockerd whose dir is known (from `inject('dockerDir')`). */
export function attachDockerd(dir: string): PrivateDockerd {
  const socketPath = join(dir, 'docker.sock');
  return { dir, socketPath, host: `unix://${socketPath}` };
}

/**
 * Starts a private dockerd in a fresh temp dir (or `dir`) and waits until it answers `/_ping`.
 * The daemon is detached from this process: it outlives a test worker and is stopped by pidfile.
 *
 * @throws Error naming scripts/install-test-deps.sh when dockerd is not installed.
 */
export async function startDockerd(dir?: string): Promise<PrivateDockerd> {
  // Unix socket paths are limited to 108 bytes: keep the dir short, whatever TMPDIR says.
  const daemon = attachDockerd(dir ?? (await mkdtemp(join(shortTmp(), 'bwd-'))));
  await launch(daemon);
  return daemon;
}

/** Starts the daemon again on the same dir (after {@link killDockerd}) and waits until it answers. */
export async function restartDockerd(daemon: PrivateDockerd): Promise<void> {
  await launch(daemon);
}

/** The daemon's pid from its pidfile, or null when it is not running. */
export async function dockerdPid(daemon: PrivateDockerd): Promise<number | null> {
  let text: string;
  try {
    text = await readFile(join(daemon.dir, 'pid'), 'utf8');
  } catch {
    return null;
  }
  const pid = Number.parseInt(text, 10);
  return Number.isInteger(pid) && (await isAlive(pid)) ? pid : null;
}

/**
 * Sends `signal` (default SIGKILL: a crash) to the daemon and waits until it is gone. After a
 * SIGKILL its containerd dies with it; container shims survive and are reattached on restart.
 */
export async function killDockerd(
  daemon: PrivateDockerd,
  signal: NodeJS.Signals = 'SIGKILL',
): Promise<void> {
  const pid = await dockerdPid(daemon);
  if (pid === null) return;
  const containerd = await containerdPid(daemon);
  process.kill(pid, signal);
  if (!(await waitForExit(pid, 20_000))) {
    throw new Error(`dockerd ${pid} did not exit on ${signal}`);
  }
  // Its containerd goes down with it (parent-death signal); make sure, so that a restart starts a
  // fresh one.
  if (containerd !== null && !(await waitForExit(containerd, 5_000))) {
    process.kill(containerd, 'SIGKILL');
    await waitForExit(containerd, 5_000);
  }
}

/**
 * Stops the daemon (SIGTERM, then SIGKILL after `timeoutMs`), kills what it leaves behind (its
 * containerd and shims, found by their command line naming the dir), unmounts and removes the dir.
 */
export async function removeDockerd(daemon: PrivateDockerd, timeoutMs = 15_000): Promise<void> {
  const pid = await dockerdPid(daemon);
  if (pid !== null) {
    process.kill(pid, 'SIGTERM');
    if (!(await waitForExit(pid, timeoutMs))) {
      process.kill(pid, 'SIGKILL');
      await waitForExit(pid, 5_000);
    }
  }
  for (const straggler of await processesMentioning(daemon.dir)) {
    process.kill(straggler, 'SIGKILL');
    await waitForExit(straggler, 5_000);
  }
  await unmountUnder(daemon.dir);
  await rm(daemon.dir, { recursive: true, force: true });
}

/**
 * Imports the test image from a folder holding a static `/bin/busybox` and a symlink per applet:
 * no registry is reachable from the tests.
 */
export async function importBusyboxImage(
  daemon: PrivateDockerd,
  image: string = testImage,
): Promise<void> {
  const busybox = await requireStaticBusybox();
  const root = join(daemon.dir, 'rootfs');
  await mkdir(join(root, 'bin'), { recursive: true });
  await mkdir(join(root, 'tmp'), { recursive: true });
  await copyFile(busybox, join(root, 'bin', 'busybox'));
  const applets = (await run(busybox, ['--list'])).split('\n').filter((name) => name !== '');
  await Promise.all(
    applets
      .filter((name) => name !== 'busybox')
      .map((name) => symlink('busybox', join(root, 'bin', name))),
  );
  const tar = await run('tar', ['-C', root, '-cf', '-', '.'], { binary: true });
  // A default command, so that `docker create <image>` and `docker run -d <image>` just work.
  await docker(daemon, ['import', '--change', 'CMD ["sleep", "3600"]', '-', image], { input: tar });
  await rm(root, { recursive: true, force: true });
}

/** Runs the docker CLI against the private daemon (`docker -H unix://...`); resolves its stdout. */
export async function docker(
  daemon: PrivateDockerd,
  args: readonly string[],
  options: { readonly input?: Buffer } = {},
): Promise<string> {
  const binary = await requireBinary('docker');
  return run(binary, ['-H', daemon.host, ...args], options);
}

/** `docker run -d --network none --init` of the test image: a container that stops at once on SIGTERM. */
export async function runContainer(
  daemon: PrivateDockerd,
  name: string,
  options: {
    readonly labels?: Readonly<Record<string, string>>;
    readonly command?: readonly string[];
  } = {},
): Promise<string> {
  const labels = Object.entries(options.labels ?? {}).map(([key, value]) => `${key}=${value}`);
  const command = options.command ?? ['sleep', '3600'];
  return (
    await docker(daemon, ['run', '-d', ...containerArgs(name, labels, true), ...command])
  ).trim();
}

/**
 * `docker create --network none` of the test image (with `--init` when asked), labelled with
 * `key=value` strings; resolves the container id.
 */
export async function createContainer(
  daemon: PrivateDockerd,
  name: string,
  labels: readonly string[],
  options: { readonly init?: boolean; readonly command?: readonly string[] } = {},
): Promise<string> {
  const args = [
    'create',
    ...containerArgs(name, labels, options.init ?? false),
    ...(options.command ?? []),
  ];
  return (await docker(daemon, args)).trim();
}

/**
 * A lifecycle burst with the docker CLI: creates (with `--init`), starts, stops and removes
 * `count` containers named `<prefix>-<n>` and labelled `label`, `parallel` at a time.
 */
export async function lifecycleBurst(
  daemon: PrivateDockerd,
  label: string,
  prefix: string,
  count: number,
  parallel: number,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const name = `${prefix}-${next++}`;
      await createContainer(daemon, name, [label], { init: true });
      await docker(daemon, ['start', name]);
      await docker(daemon, ['stop', name]);
      await docker(daemon, ['rm', name]);
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
}

function containerArgs(name: string, labels: readonly string[], init: boolean): string[] {
  return [
    ...(init ? ['--init'] : []),
    '--network',
    'none',
    '--name',
    name,
    ...labels.flatMap((label) => ['--label', label]),
    testImage,
  ];
}

async function launch(daemon: PrivateDockerd): Promise<void> {
  const dockerd = await requireBinary('dockerd');
  await requireBinary('docker');
  const { dir, socketPath } = daemon;
  // After a crash the containerd pidfile may name a zombie, which dockerd would take for a live
  // containerd and wait for: remove it so that dockerd starts a fresh one.
  if ((await containerdPid(daemon)) === null) {
    await rm(join(dir, 'exec', 'containerd', 'containerd.pid'), { force: true });
  }
  // Same for dockerd's own pidfile: a zombie (its parent, maybe an exited test worker, never
  // reaped it) would make dockerd refuse to start.
  if ((await dockerdPid(daemon)) === null) await rm(join(dir, 'pid'), { force: true });
  await spawnDaemon({
    binary: dockerd,
    args: [
      '--host',
      `unix://${socketPath}`,
      '--data-root',
      join(dir, 'data'),
      '--exec-root',
      join(dir, 'exec'),
      '--pidfile',
      join(dir, 'pid'),
      '--bridge',
      'none',
      '--iptables=false',
      // Bounds teardown: containers still running get 2 s to stop before they are killed.
      '--shutdown-timeout',
      '2',
    ],
    dir,
    logName: 'dockerd.log',
    ready: () => ping(socketPath),
    timeoutMs: 30_000,
    pollMs: 50,
    what: `private dockerd in ${dir}`,
  });
}

/** True when dockerd answers `GET /_ping` on the socket. */
export function ping(socketPath: string): Promise<boolean> {
  if (!existsSync(socketPath)) return Promise.resolve(false);
  return new Promise((resolve) => {
    const req = request({ socketPath, path: '/_ping', timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

/** The pid of the daemon's containerd from its pidfile, or null when it is not running. */
async function containerdPid(daemon: PrivateDockerd): Promise<number | null> {
  const pidfile = join(daemon.dir, 'exec', 'containerd', 'containerd.pid');
  const pid = Number.parseInt(await readFile(pidfile, 'utf8').catch(() => ''), 10);
  return Number.isInteger(pid) && (await isAlive(pid)) ? pid : null;
}

async function isAlive(pid: number): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // A zombie (state Z) is dead: its parent, maybe an exited test worker, may never reap it.
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (await isAlive(pid)) {
    if (Date.now() > deadline) return false;
    await delay(25);
  }
  return true;
}

/** The daemon's own processes left running (dockerd, containerd, shims): their command line names `dir`. */
async function processesMentioning(dir: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    const argv = (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).split('\0');
    const program = (argv[0] ?? '').split('/').at(-1) ?? '';
    const ours = program === 'dockerd' || program.startsWith('containerd');
    if (ours && argv.some((arg) => arg.includes(dir)) && (await isAlive(pid))) pids.push(pid);
  }
  return pids;
}

async function unmountUnder(dir: string): Promise<void> {
  const mountinfo = await readFile('/proc/self/mountinfo', 'utf8');
  const points = mountinfo
    .split('\n')
    .map((line) => line.split(' ')[4] ?? '')
    .filter((point) => point === dir || point.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
  for (const point of points) await run('umount', ['-l', point]).catch(() => '');
}

function shortTmp(): string {
  const tmp = tmpdir();
  return tmp.length <= 40 ? tmp : '/tmp';
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function run(
  file: string,
  args: readonly string[],
  options: { readonly input?: Buffer; readonly binary: true },
): Promise<Buffer>;
function run(
  file: string,
  args: readonly string[],
  options?: { readonly input?: Buffer },
): Promise<string>;
function run(
  file: string,
  args: readonly string[],
  options: { readonly input?: Buffer; readonly binary?: boolean } = {},
): Promise<string | Buffer> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      file,
      args,
      { encoding: 'buffer', maxBuffer: 256 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) {
          reject(
            new Error(
              `${file} ${args.join(' ')} failed: ${stderr.toString().trim() || err.message}`,
            ),
          );
          return;
        }
        resolve(options.binary === true ? stdout : stdout.toString('utf8'));
      },
    );
    child.stdin?.end(options.input);
  });
}

/** How to get what the integration tests need, named in every "missing" error. */
export const installHint =
  'run scripts/install-test-deps.sh (as root: apt-get update && apt-get install -y docker.io busybox-static redis-server)';

/**
 * The absolute path of `name` on PATH (plus /usr/sbin and /sbin, where dockerd lives).
 *
 * @throws Error naming scripts/install-test-deps.sh when it is not installed: never a silent skip.
 */
export async function requireBinary(name: string): Promise<string> {
  const dirs = [...(process.env['PATH'] ?? '').split(':'), '/usr/sbin', '/sbin'];
  for (const dir of dirs) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this dir
    }
  }
  throw new Error(`${name} is not installed: ${installHint}`);
}

/** `/bin/busybox`, checked to be statically linked: a dynamic one cannot run in an empty image. */
async function requireStaticBusybox(): Promise<string> {
  const path = '/bin/busybox';
  let header: Buffer;
  try {
    const file = await open(path, 'r');
    header = Buffer.alloc(4096);
    await file.read(header, 0, header.length, 0);
    await file.close();
  } catch {
    throw new Error(`${path} (busybox-static) is not installed: ${installHint}`);
  }
  if (hasInterpreter(header)) {
    throw new Error(`${path} is dynamically linked (the busybox package): ${installHint}`);
  }
  return path;
}

/** True when an ELF header lists a PT_INTERP program header: the binary is dynamically linked. */
function hasInterpreter(elf: Buffer): boolean {
  if (elf.readUInt32BE(0) !== 0x7f454c46) return true;
  const is64 = elf[4] === 2;
  const phoff = is64 ? Number(elf.readBigUInt64LE(0x20)) : elf.readUInt32LE(0x1c);
  const phentsize = elf.readUInt16LE(is64 ? 0x36 : 0x2a);
  const phnum = elf.readUInt16LE(is64 ? 0x38 : 0x2c);
  for (let i = 0; i < phnum; i++) {
    const offset = phoff + i * phentsize;
    if (offset + 4 > elf.length) return true;
    if (elf.readUInt32LE(offset) === 3) return true;
  }
  return false;
}

/** What a {@link startWatchdog} watchdog stops if the test run dies without its teardown. */
export interface WatchdogPlan {
  /** The process whose death triggers the cleanup (the vitest main process). */
  readonly parentPid: number;
  /** Private dockerd dirs: stopped by pidfile, unmounted, removed. */
  readonly dockerDirs: readonly string[];
  /** Other processes to stop (redis-server), each with its dir to remove. */
  readonly processes: readonly { readonly pid: number; readonly dir: string }[];
}

/**
 * Spawns a detached watchdog that cleans up after a test run killed before its teardown (a
 * SIGKILL, a CI timeout): the daemons are detached, so nothing else would stop them. The normal
 * teardown stops the watchdog first with `stop()`.
 */
export function startWatchdog(plan: WatchdogPlan): { stop(): void } {
  const child = spawn(process.execPath, [import.meta.filename, 'watchdog', JSON.stringify(plan)], {
    detached: true,
    stdio: 'ignore',
  });
  child.unref();
  return {
    stop: () => {
      if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGTERM');
    },
  };
}

async function runWatchdog(plan: WatchdogPlan): Promise<void> {
  while (await isAlive(plan.parentPid)) {
    if (!plan.dockerDirs.some((dir) => existsSync(dir))) return;
    await delay(1000);
  }
  await Promise.all([
    ...plan.dockerDirs.map((dir) => removeDockerd(attachDockerd(dir))),
    ...plan.processes.map(async ({ pid, dir }) => {
      if (await isAlive(pid)) process.kill(pid, 'SIGTERM');
      if (!(await waitForExit(pid, 5_000))) process.kill(pid, 'SIGKILL');
      await rm(dir, { recursive: true, force: true });
    }),
  ]);
}

if (import.meta.main && process.argv[2] === 'watchdog') {
  await runWatchdog(JSON.parse(process.argv[3] ?? '{}') as WatchdogPlan);
}
