#!/usr/bin/env node
// The `batchwatch` command. Usage: batchwatch --help
// Only lean-startup loads before V8 is told to favour memory; everything else loads after.
import { leanStartup, tlsOnDemandForIoredis } from './lean-startup.ts';

const restoreV8 = leanStartup();
tlsOnDemandForIoredis();
const { runCli } = await import('./run-cli.ts');
await runCli(process.argv.slice(2), restoreV8);
