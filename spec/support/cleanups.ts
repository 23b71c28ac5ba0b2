import { afterEach } from 'vitest';

/**
 * Registers an `afterEach` that runs what each test hands to the returned function, last first,
 * whether the test passed or not.
 */
export function cleanupAfterEach(): (cleanup: () => unknown) => void {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  return (cleanup) => {
    cleanups.push(cleanup);
  };
}
