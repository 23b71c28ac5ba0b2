// Runs the benchmarks: `npm run bench` runs them all, `npm run bench -- queue` just one; options
// after the names go to each script (`npm run bench -- jfs-soak --duration 120`).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const benches: Record<string, string> = {
  queue: 'queue/main.ts',
  jfs: 'jfs/codec.ts',
  'jfs-e2e': 'jfs/end-to-end.ts',
  'jfs-chain': 'jfs/chain.ts',
  'jfs-memory': 'jfs/stream-memory.ts',
  'jfs-footprint': 'jfs/proxy-footprint.ts',
  'jfs-soak': 'jfs/soak.ts',
  'jfs-daemon': 'jfs/daemon.ts',
  'watch-flood': 'jfs/watch-flood.ts',
  file: 'file/main.ts',
  'file-overflow': 'file/overflow.ts',
  docker: 'docker/main.ts',
  startup: 'startup/main.ts',
  journal: 'journal/main.ts',
  'journal-file-restart': 'journal/file-restart.ts',
  'journal-file-save': 'journal/file-save.ts',
};

const first = process.argv.findIndex((arg, i) => i >= 2 && arg.startsWith('--'));
const wanted = process.argv.slice(2, first < 0 ? undefined : first);
const options = first < 0 ? [] : process.argv.slice(first);
const unknown = wanted.filter((name) => !(name in benches));
if (unknown.length > 0) {
  console.error(
    `Unknown benchmark ${unknown.join(', ')}; choose from ${Object.keys(benches).join(', ')}.`,
  );
  process.exit(2);
}
for (const name of wanted.length > 0 ? wanted : Object.keys(benches)) {
  console.log(`\n=== bench/${name} ===`);
  const script = fileURLToPath(new URL(benches[name] as string, import.meta.url));
  const result = spawnSync(process.execPath, ['--expose-gc', script, ...options], {
    stdio: 'inherit',
  });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
