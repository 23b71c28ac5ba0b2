/**
 * The path Node's `net` takes for a unix socket address of the JFS protocol:
 * a leading `@` names a Linux abstract socket (as Go's `net` package spells
 * it), which Node reaches with a leading NUL byte; any other path is a file.
 *
 * @example
 * socketPath('@batchwatch'); // '\0batchwatch'
 * socketPath('/run/jfs.sock'); // '/run/jfs.sock'
 */
export function socketPath(path: string): string {
  return path.startsWith('@') ? `\0${path.slice(1)}` : path;
}
