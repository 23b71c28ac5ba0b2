import { redactUrl } from '../../redact.ts';
import { AddressError } from './jfs-client-errors.ts';

/** Go's default notify-server address. Stale (real deployments use `fsnotify-svc.os-platform:5079`); kept as the documented fallback. */
export const DEFAULT_NOTIFY_SERVER = 'fsnotify-svc.os-system:1506';

/** Where a JFS server listens: a discriminated union on `network`. */
export type JfsAddress =
  | {
      readonly network: 'tcp';
      /** Host name or IP, without IPv6 brackets; empty means the local host. */
      readonly host: string;
      readonly port: number;
    }
  | {
      readonly network: 'unix';
      /** The socket path; a leading `@` names a Linux abstract socket. */
      readonly path: string;
    }
  | {
      readonly network: 'ipc';
      /** The golang-ipc name. */
      readonly name: string;
      /** The socket golang-ipc uses: `/tmp/<name>.sock`. */
      readonly path: string;
    };

const urlForm = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/is;

/**
 * Parses a notify-server address (`NOTIFY_SERVER`), as the Go client does,
 * except that `tcp://host:port` is accepted.
 *
 * | input | result |
 * |---|---|
 * | `host:port`, `[::1]:5079`, `tcp://host:port` | tcp |
 * | `unix:/tmp/x.sock`, `unix:rel.sock`, `unix:@abstract` | unix, the text after `unix:` |
 * | `unix:///var/run/x.sock`, `UNIX:///x` | unix, the URL path |
 * | `unix://x.sock` | unix, the URL host (the path is empty) |
 * | `ipc://NAME` | ipc, `/tmp/NAME.sock` |
 *
 * @throws AddressError for anything else, naming what is wrong.
 * @example parseAddress('fsnotify-svc.os-platform:5079') // { network: 'tcp', host: 'fsnotify-svc.os-platform', port: 5079 }
 */
export function parseAddress(input: string): JfsAddress {
  if (typeof input !== 'string' || input.trim() === '') {
    throw new AddressError(redactUrl(String(input)), 'it is empty');
  }
  const url = urlForm.exec(input);
  if (url !== null) {
    const scheme = (url[1] as string).toLowerCase();
    const rest = url[2] as string;
    if (scheme === 'tcp') return hostPort(input, rest);
    const slash = rest.indexOf('/');
    const host = slash < 0 ? rest : rest.slice(0, slash);
    const path = slash < 0 ? '' : rest.slice(slash);
    const target = path === '' ? host : path;
    if (target === '')
      throw new AddressError(redactUrl(input), `the ${scheme} URL names no socket`);
    if (scheme === 'unix') return { network: 'unix', path: target };
    if (scheme === 'ipc') return { network: 'ipc', name: target, path: `/tmp/${target}.sock` };
    throw new AddressError(redactUrl(input), `unknown scheme ${JSON.stringify(url[1])}`);
  }
  // Outside the URL form the prefix is case-sensitive, as in Go.
  if (input.startsWith('unix:')) {
    const path = input.slice('unix:'.length);
    if (path === '') throw new AddressError(redactUrl(input), 'the path after unix: is empty');
    return { network: 'unix', path };
  }
  return hostPort(input, input);
}

function hostPort(input: string, text: string): JfsAddress {
  const colon = text.lastIndexOf(':');
  if (colon < 0) throw new AddressError(redactUrl(input), 'the port is missing');
  let host = text.slice(0, colon);
  const portText = text.slice(colon + 1);
  if (host.startsWith('[') !== host.endsWith(']')) {
    throw new AddressError(redactUrl(input), 'an IPv6 host has unbalanced brackets');
  }
  if (host.startsWith('[')) host = host.slice(1, -1);
  else if (host.includes(':')) {
    throw new AddressError(redactUrl(input), 'an IPv6 host needs brackets, as in [::1]:5079');
  }
  if (/[\s/[\]]/.test(host))
    throw new AddressError(redactUrl(input), `the host ${JSON.stringify(host)} is not valid`);
  const port = /^\d{1,5}$/.test(portText) ? Number(portText) : Number.NaN;
  if (!(port >= 1 && port <= 65_535)) {
    throw new AddressError(
      input,
      `the port ${JSON.stringify(portText)} is not a number from 1 to 65535`,
    );
  }
  return { network: 'tcp', host, port };
}

/** The address as `host:port` or `unix:path`, for messages. */
export function formatAddress(address: JfsAddress): string {
  switch (address.network) {
    case 'tcp':
      return address.host.includes(':')
        ? `[${address.host}]:${address.port}`
        : `${address.host}:${address.port}`;
    case 'unix':
      return `unix:${address.path}`;
    case 'ipc':
      return `ipc://${address.name}`;
  }
}
