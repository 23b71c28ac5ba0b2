#!/usr/bin/env node
// The `batchwatch` command's entry point. It checks the Node version before any module that needs
// a newer Node loads (the CLI's own modules use `node:module`'s registerHooks, Node >= 22.15), so
// this file keeps to syntax and APIs every Node with ES modules has: no top-level await, no
// static import.
export {};

/** The oldest Node this package supports: keep in step with `engines` in package.json. */
const MINIMUM_NODE = '22.22.0';

/** Whether `version` ("20.20.2") is at least `minimum` ("22.22.0"), compared numerically. */
function satisfiesMinimum(version: string, minimum: string): boolean {
  const have = version.split('.').map(Number);
  const need = minimum.split('.').map(Number);
  for (let i = 0; i < need.length; i++) {
    const a = have[i] ?? 0;
    const b = need[i] ?? 0;
    if (a !== b) return a > b;
  }
  return true;
}

if (satisfiesMinimum(process.versions.node, MINIMUM_NODE)) {
  // A failure to start is reported by Node as any other uncaught error (exit 1).
  void import('./main.ts');
} else {
  process.stderr.write(
    `batchwatch needs Node >=${MINIMUM_NODE.replace(/\.0$/, '')}; this is Node ${process.versions.node}\n`,
  );
  process.exitCode = 2;
}
