#!/usr/bin/env node
// The `batchwatch` command. Usage: batchwatch --help
import { leanStartup } from './lean-startup.ts';

// The proxy program runs with a small young generation, which V8 sizes only at start (proxy-heap.ts).
if (process.argv[2] === 'proxy') (await import('./proxy-heap.ts')).execWithProxyHeap();

// The server commands (named first, as parseCommand reads them) load with V8 favouring memory from
// here on, before any other module: they idle smaller. V8 gets its defaults back once they serve.
const server = process.argv[2] === 'proxy' || process.argv[2] === 'daemon';
const serving = server ? leanStartup() : () => {};
(await import('./ioredis-tls-hook.ts')).tlsOnDemandForIoredis();
const { runCli } = await import('./run-cli.ts');
await runCli(process.argv.slice(2), serving);
