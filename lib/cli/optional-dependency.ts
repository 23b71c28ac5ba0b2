import { UsageError } from './usage-error.ts';

/**
 * Loads a module that needs an optional peer dependency. When that dependency is not installed,
 * throws a UsageError naming the flag that needs it and the install command; other failures pass.
 */
export async function importNeeding<T>(
  load: () => Promise<T>,
  dependency: string,
  flag: string,
): Promise<T> {
  try {
    return await load();
  } catch (err) {
    const { code, message } = (err ?? {}) as { code?: unknown; message?: unknown };
    if (code === 'ERR_MODULE_NOT_FOUND' && String(message).includes(`'${dependency}'`)) {
      throw new UsageError(
        `${flag} needs the optional dependency ${dependency}: npm install ${dependency}`,
      );
    }
    throw err;
  }
}
