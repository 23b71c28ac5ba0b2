import { OptionsError } from '../errors.ts';
import { parseHostPort } from '../host-port.ts';
import { type JfsAddress, parseAddress } from '../sources/jfs/address.ts';

/** Where a proxy listens: TCP, or a unix socket (`@name`: a Linux abstract one). */
export type ListenAddress = Exclude<JfsAddress, { readonly network: 'ipc' }>;

/** `:5079` (Go's form: every interface), `host:port` (port 0 picks one), `[::1]:port`, `unix:/path`. */
export function parseListen(text: string): ListenAddress {
  const expected = ':port, host:port, [ipv6]:port or unix:/path';
  if (typeof text !== 'string') throw new OptionsError('listen', text, expected);
  const tcp = parseHostPort(text.replace(/^tcp:\/\//i, ''));
  if (tcp !== null && tcp.port !== undefined && tcp.path === '') {
    return { network: 'tcp', host: tcp.host === '' ? '0.0.0.0' : tcp.host, port: tcp.port };
  }
  let address: JfsAddress;
  try {
    address = parseAddress(text);
  } catch (err) {
    throw new OptionsError('listen', text, `${expected} (${(err as Error).message})`);
  }
  if (address.network !== 'unix') throw new OptionsError('listen', text, expected);
  return address;
}
