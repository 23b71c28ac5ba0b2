import { accessSync, constants, statSync } from 'node:fs';

/**
 * What is wrong with a path to watch, in words (`does not exist`, `cannot
 * be read (EACCES)`), or `null` when it can be watched. A path whose parent
 * cannot be searched is unreadable, not missing.
 */
export function pathProblem(path: string): string | null {
  let isDirectory: boolean;
  try {
    isDirectory = statSync(path).isDirectory();
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code === 'ENOENT') return 'does not exist';
    if (code === 'ENOTDIR') return 'does not exist (a part of it is not a directory)';
    return `cannot be read (${String(code ?? 'unknown error')}): check its permissions`;
  }
  try {
    accessSync(path, isDirectory ? constants.R_OK | constants.X_OK : constants.R_OK);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    return `cannot be read (${String(code ?? 'unknown error')}): check its permissions`;
  }
  return null;
}
