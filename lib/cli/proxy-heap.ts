/**
 * The young generation `batchwatch proxy` runs with: semi-spaces of at most
 * this many MB (V8's `--max-semi-space-size`; Node 24's default lets them grow
 * to tens of MB). A burst's garbage (Redis replies, events) otherwise grows
 * the heap far past what is live. Measured with bench/jfs/proxy-footprint.ts
 * on a shared 2-core machine: the RSS peak of a 100,000-event burst of one
 * change per stream entry falls from about 220 to about 120 MB for the same
 * events/s; 2 MB gave the same peaks but cost pub/sub bursts about a fifth of
 * their events/s and 2 MB more idle RSS. 4 MB cost bursts 3-26% of their
 * events/s against V8's default (same run); 8 MB, in a run beside 4 MB, kept
 * about the same peaks (within 10 MB) and 16-30% more events/s on the stream
 * feed than 4, so 8. Measured again once the stream feed's reads stopped
 * promoting their replies (redis/command-batch.ts): 4 keeps 1,000 idle
 * clients 6-8 MB smaller than 6 or 8 and the burst peaks about the same, but
 * cost pub/sub bursts of one change per message about a sixth of their
 * events/s; still 8. Measured again once the heap budget counted Buffers
 * (heap-budget.ts): 4 takes the burst peaks 6-10 MB lower than 8, and 2 no
 * lower than 4 (bursts-only runs; 8 gave stream bursts about a tenth more
 * events/s in one). With the budget's share of what is live (the final
 * code) the peaks came to 2-6 MB over the target of bare Node + 40, for
 * -12% to +10% of the events/s of bursts before (one run); without it, in
 * another run, 3-5 MB over, for 10-23% fewer. So 4: a pod's
 * memory limit must hold the peak, and bursts stay several times the Go
 * proxy's events/s.
 */
export const PROXY_SEMI_SPACE_MB = 4;

const FLAG = 'max-semi-space-size';
const GC_FLAG = 'expose-gc';

/** What {@link proxyHeapArgs} reads. */
export interface ProxyHeapContext {
  /** Default `process.execArgv`. */
  readonly execArgv: readonly string[];
  /** Default `process.env.NODE_OPTIONS`. */
  readonly nodeOptions: string;
}

/** True when `flag` is among the node options the user gave, in any spelling (`_` or `-`). */
function userSet(flag: string, given: readonly string[]): boolean {
  return given.some(
    (option) => option.replace(/^--?/, '').replace(/=.*$/, '').replaceAll('_', '-') === flag,
  );
}

/**
 * The node options the proxy program must be started with that this process
 * lacks: `--max-semi-space-size` unless the user set it (on the command line
 * or in NODE_OPTIONS), and `--expose-gc` (the heap budget collects with it,
 * see heap-budget.ts). Empty when nothing is missing.
 */
export function proxyHeapArgs({ execArgv, nodeOptions }: ProxyHeapContext): string[] {
  const given = [...execArgv, ...nodeOptions.split(/\s+/).filter((word) => word !== '')];
  return [
    ...(userSet(FLAG, given) ? [] : [`--${FLAG}=${PROXY_SEMI_SPACE_MB}`]),
    ...(userSet(GC_FLAG, given) ? [] : [`--${GC_FLAG}`]),
  ];
}

/**
 * glibc's malloc serves allocations from this many bytes up with a mapping of
 * their own, returned to the system when freed (`MALLOC_MMAP_THRESHOLD_`;
 * glibc's default starts at 128 KB and rises with each such block freed).
 * A thousand clients connecting at once otherwise leave blocks of 32 to
 * 64 KB (socket reads) fragmenting the heap among the small blocks that
 * stay: measured with bench/jfs/proxy-footprint.ts, about 8 MB of the RSS
 * with 1,000 idle clients, for the same CPU at rest. Other C libraries ignore it.
 */
export const PROXY_MMAP_THRESHOLD = 32 * 1024;
const MMAP_ENV = 'MALLOC_MMAP_THRESHOLD_';

/** The environment the proxy program must be started with that `env` lacks (the user's value is kept). */
export function proxyHeapEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  return env[MMAP_ENV] === undefined ? { [MMAP_ENV]: String(PROXY_MMAP_THRESHOLD) } : {};
}

/** `process.execve`, where Node has it (Node >= 22.15 and 23.11, not on Windows). */
type Execve = (file: string, args: readonly string[], env: NodeJS.ProcessEnv) => never;

/**
 * Replaces this process (same pid, same stdio) with the same command under
 * the proxy's heap options and malloc setting, before anything else loads
 * (V8 sizes its young generation, and glibc reads its setting, only at
 * start). Returns (doing nothing) when they are in place already, when the
 * user chose their own, or where Node cannot replace a process.
 */
export function execWithProxyHeap(): void {
  const execve = (process as unknown as { execve?: Execve }).execve;
  if (typeof execve !== 'function' || process.platform === 'win32') return;
  const missing = proxyHeapArgs({
    execArgv: process.execArgv,
    nodeOptions: process.env['NODE_OPTIONS'] ?? '',
  });
  const env = proxyHeapEnv(process.env);
  if (missing.length === 0 && Object.keys(env).length === 0) return;
  try {
    execve(
      process.execPath,
      [process.execPath, ...missing, ...process.execArgv, ...process.argv.slice(1)],
      { ...process.env, ...env },
    );
  } catch {
    // Not replaceable here (a sandbox, a seccomp policy): the proxy runs with V8's defaults.
  }
}
