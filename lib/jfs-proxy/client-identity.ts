import { isIP } from 'node:net';
import { JfsServerError } from '../errors.ts';
import type { ContainerRef } from './mount-table.ts';

/**
 * A client spoke for a container from an address that container does not
 * have (Kubernetes: the pod's `status.podIPs`; a mounts file: its
 * `allowedAddresses`). Its WATCH or CLEAR is refused; the connection stays.
 */
export class ClientIdentityError extends JfsServerError {
  override readonly name = 'ClientIdentityError';
  override readonly code = 'BATCHWATCH_JFS_CLIENT_IDENTITY';
  /** The container the client claimed. */
  readonly container: ContainerRef;
  /** The client's address. */
  readonly address: string;

  constructor(container: ContainerRef, address: string, allowed: readonly string[], where: string) {
    const ref = `${container.namespace}/${container.pod}/${container.container}`;
    super(
      `Client ${address} spoke for ${ref}, whose ${where} ${
        allowed.length === 0 ? 'lists no address (yet)' : `is ${allowed.join(', ')}`
      }: refused. Only that pod's own address may watch or clear its channels.`,
    );
    this.container = container;
    this.address = address;
  }
}

/** The IP address of a client as compared with pod IPs: an IPv4-mapped IPv6 address is its IPv4 one. */
export function clientAddress(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped === null ? address.toLowerCase() : (mapped[1] as string);
}

/** True when `address` is one of `allowed` (IP addresses, compared after {@link clientAddress}). */
export function addressAllowed(address: string, allowed: readonly string[]): boolean {
  const own = clientAddress(address);
  return isIP(own) !== 0 && allowed.some((candidate) => clientAddress(candidate) === own);
}
