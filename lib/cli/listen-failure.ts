import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { UsageError } from './usage-error.ts';

/** What to say for each way listening fails, and what to change. */
const reasons: Record<string, string> = {
  EADDRINUSE: 'the address is in use; stop what listens there or choose another',
  EADDRNOTAVAIL: 'the address is not one of this machine; use a local address such as 127.0.0.1',
  EACCES: 'permission denied; use a port above 1023 or a socket path you may create',
  ENOENT: 'its directory does not exist; create it or choose another path',
  ENOTDIR: 'a part of its directory is not a directory; choose another path',
  EAFNOSUPPORT: 'this machine does not support that address family; use 127.0.0.1',
  EINVAL: 'the address is invalid; check it',
};

/**
 * A one-line {@link UsageError} for a server that could not listen (a port
 * in use, a unix socket in a missing directory, an address that is not
 * local), naming the `flag` and the address; any other error is returned
 * unchanged.
 *
 * @example throw listenFailure(err, '--listen', '127.0.0.1:5079');
 */
export function listenFailure(err: unknown, flag: string, address: string): unknown {
  const code = (err as { code?: unknown } | null)?.code;
  const syscall = (err as { syscall?: unknown } | null)?.syscall;
  if (typeof code !== 'string' || !(code in reasons)) return err;
  if (syscall !== undefined && syscall !== 'listen' && syscall !== 'bind') return err;
  // Node reports a unix socket in a missing directory as EACCES: say what is really wrong.
  const socketPath = /^unix:(.+)$/.exec(address)?.[1];
  const reason =
    socketPath !== undefined && !existsSync(dirname(socketPath))
      ? reasons['ENOENT']
      : reasons[code];
  return new UsageError(`${flag} ${address}: cannot listen (${code}): ${reason}.`, {
    cause: err,
  });
}
