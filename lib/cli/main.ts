#!/usr/bin/env node
// The `batchwatch` command. Usage: batchwatch --help
// Only these two small modules load before V8 is told to favour memory; the rest loads after.
import { tlsOnDemandForIoredis } from './ioredis-tls-hook.ts';
import { leanStartup } from './lean-startup.ts';

const restoreV8 = leanStartup();
tlsOnDemandForIoredis();
const { runCli } = await import('./run-cli.ts');
await runCli(process.argv.slice(2), restoreV8);
