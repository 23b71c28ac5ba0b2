import { isIP } from 'node:net';
import { OptionsError } from '../errors.ts';
import { readBoundedFileSync } from '../read-bounded-file.ts';
import { addressAllowed, ClientIdentityError } from './client-identity.ts';
import {
  type ContainerRef,
  cleanPath,
  type MountClient,
  type MountResolver,
  type PodMount,
} from './mount-table.ts';
import { MountsFileError } from './proxy-errors.ts';

/** One entry of a mounts file. */
export interface ContainerMounts extends ContainerRef {
  readonly mounts: readonly PodMount[];
  /**
   * The only client IP addresses that may speak for this container (WATCH,
   * CLEAR); others are refused with a `ClientIdentityError`. Default: any.
   */
  readonly allowedAddresses?: readonly string[];
}

/** The largest mounts file read, in bytes (thousands of containers fit in far less). */
export const MAX_MOUNTS_FILE_BYTES = 4 * 1024 * 1024;

/**
 * Serves container mounts from a list, such as a mounts file:
 *
 * ```json
 * [{ "namespace": "default", "pod": "web-0", "container": "app",
 *    "mounts": [{ "mountPath": "/data", "hostPath": "/var/lib/web-0" }],
 *    "allowedAddresses": ["10.0.0.7"] }]
 * ```
 *
 * Names are matched lowercased, as channel ids are.
 */
export class StaticMountResolver implements MountResolver {
  readonly #byContainer = new Map<string, readonly PodMount[]>();
  readonly #allowed = new Map<string, readonly string[]>();

  /** @throws OptionsError naming the entry and field that is missing or wrong (`entries[0].pod`). */
  constructor(entries: readonly ContainerMounts[]) {
    const valid = parseMounts(entries, (where, problem, value) => {
      return new OptionsError(`entries${where}`, value, problem);
    });
    for (const entry of valid) {
      this.#byContainer.set(keyOf(entry), entry.mounts);
      if (entry.allowedAddresses !== undefined) {
        this.#allowed.set(keyOf(entry), entry.allowedAddresses);
      }
    }
  }

  /**
   * Reads and validates a mounts file: a regular file of at most
   * {@link MAX_MOUNTS_FILE_BYTES} (a device, a pipe or a huge file is refused at once).
   *
   * @throws MountsFileError naming the file and what is wrong in it.
   */
  static fromFile(file: string): StaticMountResolver {
    let text: string;
    try {
      text = readBoundedFileSync(file, MAX_MOUNTS_FILE_BYTES).toString('utf8');
    } catch (err) {
      const message = (err as Error).message;
      // Our own bounds say what is wrong in a few words; a system error says why it cannot be read.
      throw new MountsFileError(
        file,
        /^is /.test(message) ? message : `cannot be read (${message})`,
        err,
      );
    }
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (err) {
      throw new MountsFileError(file, `is not JSON (${(err as Error).message})`, err);
    }
    return new StaticMountResolver(
      parseMounts(data, (where, problem) => {
        if (where === '') return new MountsFileError(file, 'must hold a JSON array of containers');
        return new MountsFileError(file, `needs ${problem} at ${where}`);
      }),
    );
  }

  /** @throws ClientIdentityError when the container lists `allowedAddresses` and `client`'s is not one. */
  mountsOf(ref: ContainerRef, client?: MountClient): readonly PodMount[] | undefined {
    const allowed = this.#allowed.get(keyOf(ref));
    const address = client?.address;
    if (allowed !== undefined && address !== undefined && !addressAllowed(address, allowed)) {
      throw new ClientIdentityError(ref, address, allowed, 'allowedAddresses');
    }
    return this.#byContainer.get(keyOf(ref));
  }
}

function keyOf(ref: ContainerRef): string {
  return `${ref.namespace}/${ref.pod}/${ref.container}`.toLowerCase();
}

/** Builds the error for `where` (`[0].mounts[1].hostPath`, or `''` for the whole input). */
type Complaint = (where: string, problem: string, value: unknown) => Error;

function parseMounts(data: unknown, complain: Complaint): ContainerMounts[] {
  if (!Array.isArray(data)) {
    throw complain('', 'an array of {namespace, pod, container, mounts}', data);
  }
  return data.map((entry: unknown, index) => {
    const at = `[${index}]`;
    if (entry === null || typeof entry !== 'object') {
      throw complain(at, 'an object {namespace, pod, container, mounts}', entry);
    }
    const record = entry as Record<string, unknown>;
    for (const field of ['namespace', 'pod', 'container']) {
      if (typeof record[field] !== 'string' || record[field] === '') {
        throw complain(`${at}.${field}`, 'a non-empty string', record[field]);
      }
    }
    const list = record['mounts'];
    if (!Array.isArray(list)) throw complain(`${at}.mounts`, 'an array of mounts', list);
    const mounts = (list as unknown[]).map((mount, m): PodMount => {
      const pair = (mount !== null && typeof mount === 'object' ? mount : {}) as Record<
        string,
        unknown
      >;
      for (const field of ['mountPath', 'hostPath']) {
        const path = pair[field];
        if (typeof path !== 'string' || !path.startsWith('/')) {
          throw complain(`${at}.mounts[${m}].${field}`, 'an absolute path', path);
        }
      }
      return {
        mountPath: cleanPath(pair['mountPath'] as string),
        hostPath: cleanPath(pair['hostPath'] as string),
      };
    });
    const allowed = record['allowedAddresses'];
    if (
      allowed !== undefined &&
      (!Array.isArray(allowed) || !allowed.every((a) => typeof a === 'string' && isIP(a) !== 0))
    ) {
      throw complain(`${at}.allowedAddresses`, 'an array of IP addresses', allowed);
    }
    return {
      namespace: record['namespace'] as string,
      pod: record['pod'] as string,
      container: record['container'] as string,
      mounts,
      ...(allowed === undefined ? {} : { allowedAddresses: [...(allowed as string[])] }),
    };
  });
}
