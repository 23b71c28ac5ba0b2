import { readFileSync } from 'node:fs';
import { MountsFileError } from '../errors.ts';
import { type ContainerRef, cleanPath, type MountResolver, type PodMount } from './mount-table.ts';

/** One entry of a mounts file. */
export interface ContainerMounts extends ContainerRef {
  readonly mounts: readonly PodMount[];
}

/**
 * Serves container mounts from a list, such as a mounts file:
 *
 * ```json
 * [{ "namespace": "default", "pod": "web-0", "container": "app",
 *    "mounts": [{ "mountPath": "/data", "hostPath": "/var/lib/web-0" }] }]
 * ```
 *
 * Names are matched lowercased, as channel ids are.
 */
export class StaticMountResolver implements MountResolver {
  readonly #byContainer = new Map<string, readonly PodMount[]>();

  constructor(entries: readonly ContainerMounts[]) {
    for (const entry of entries) {
      const mounts = entry.mounts.map((mount) => ({
        mountPath: cleanPath(mount.mountPath),
        hostPath: cleanPath(mount.hostPath),
      }));
      this.#byContainer.set(keyOf(entry), mounts);
    }
  }

  /**
   * Reads and validates a mounts file.
   *
   * @throws MountsFileError naming the file and what is wrong in it.
   */
  static fromFile(file: string): StaticMountResolver {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new MountsFileError(file, `cannot be read (${(err as Error).message})`, err);
    }
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (err) {
      throw new MountsFileError(file, `is not JSON (${(err as Error).message})`, err);
    }
    return new StaticMountResolver(parseMounts(file, data));
  }

  mountsOf(ref: ContainerRef): readonly PodMount[] | undefined {
    return this.#byContainer.get(keyOf(ref));
  }
}

function keyOf(ref: ContainerRef): string {
  return `${ref.namespace}/${ref.pod}/${ref.container}`.toLowerCase();
}

function parseMounts(file: string, data: unknown): ContainerMounts[] {
  if (!Array.isArray(data)) throw new MountsFileError(file, 'must hold a JSON array of containers');
  return data.map((entry: unknown, index) => {
    const at = `entry ${index}`;
    if (entry === null || typeof entry !== 'object')
      throw new MountsFileError(file, `${at} is not an object`);
    const record = entry as Record<string, unknown>;
    for (const field of ['namespace', 'pod', 'container']) {
      if (typeof record[field] !== 'string' || record[field] === '') {
        throw new MountsFileError(file, `${at} needs a non-empty string "${field}"`);
      }
    }
    if (!Array.isArray(record['mounts']))
      throw new MountsFileError(file, `${at} needs a "mounts" array`);
    const mounts = (record['mounts'] as unknown[]).map((mount, m): PodMount => {
      const pair = (mount ?? {}) as Record<string, unknown>;
      const { mountPath, hostPath } = pair;
      if (typeof mountPath !== 'string' || !mountPath.startsWith('/')) {
        throw new MountsFileError(file, `${at}, mount ${m} needs an absolute "mountPath"`);
      }
      if (typeof hostPath !== 'string' || !hostPath.startsWith('/')) {
        throw new MountsFileError(file, `${at}, mount ${m} needs an absolute "hostPath"`);
      }
      return { mountPath: cleanPath(mountPath), hostPath: cleanPath(hostPath) };
    });
    return {
      namespace: record['namespace'] as string,
      pod: record['pod'] as string,
      container: record['container'] as string,
      mounts,
    };
  });
}
