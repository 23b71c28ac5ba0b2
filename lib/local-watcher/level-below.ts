import { isAbsolute, relative, sep } from 'node:path';

/**
 * How many levels below directory `dir` the path lies (0 for `dir` itself),
 * or `null` when it is not inside it. Both paths are absolute and resolved.
 */
export function levelBelow(dir: string, path: string): number | null {
  const rel = relative(dir, path);
  if (rel === '') return 0;
  if (rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) return null;
  return rel.split(sep).length;
}
