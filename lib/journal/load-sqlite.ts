import type * as Sqlite from 'node:sqlite';

let loaded: typeof Sqlite | null = null;

/**
 * `node:sqlite`, loaded on first use (so that importing batchwatch never
 * loads it). Node 22 prints an ExperimentalWarning for it once per process
 * (Node 24 does not); that one warning says nothing the user can act on, so
 * it is filtered out while the module loads, and only it: any other warning
 * emitted meanwhile goes through.
 */
export function loadSqlite(): typeof Sqlite {
  if (loaded !== null) return loaded;
  const emitWarning = process.emitWarning;
  process.emitWarning = function filtered(
    this: unknown,
    warning: string | Error,
    ...rest: unknown[]
  ) {
    const text = typeof warning === 'string' ? warning : warning.message;
    const type =
      typeof rest[0] === 'string' ? rest[0] : (rest[0] as { type?: unknown } | undefined)?.type;
    const name = typeof warning === 'string' ? type : warning.name;
    if (name === 'ExperimentalWarning' && /sqlite/i.test(text)) return;
    Reflect.apply(emitWarning, process, [warning, ...rest]);
  } as typeof process.emitWarning;
  try {
    loaded = process.getBuiltinModule('node:sqlite') as typeof Sqlite;
  } finally {
    process.emitWarning = emitWarning;
  }
  return loaded;
}
