import { describe, expect, it } from 'vitest';
import { importNeeding } from '../../../lib/cli/optional-dependency.ts';
import { UsageError } from '../../../lib/cli/usage-error.ts';

/** The error Node's loader throws for a package that is not installed. */
const notFound = (specifier: string): Error =>
  Object.assign(
    new Error(`Cannot find package '${specifier}' imported from /app/dist/docker-client.js`),
    { code: 'ERR_MODULE_NOT_FOUND' },
  );

describe('importNeeding', () => {
  it('resolves with the module when it loads', async () => {
    await expect(importNeeding(async () => ({ ok: 1 }), 'dockerode', '--docker')).resolves.toEqual({
      ok: 1,
    });
  });

  it('names the flag and the install command when the optional dependency is missing', async () => {
    const loading = importNeeding(
      () => Promise.reject(notFound('dockerode')),
      'dockerode',
      '--docker',
    );
    await expect(loading).rejects.toBeInstanceOf(UsageError);
    await expect(loading).rejects.toThrow(
      '--docker needs the optional dependency dockerode: npm install dockerode',
    );
  });

  it('passes on any other failure, a missing other package included', async () => {
    const other = notFound('ssh2');
    await expect(importNeeding(() => Promise.reject(other), 'dockerode', '--docker')).rejects.toBe(
      other,
    );
    await expect(
      importNeeding(() => Promise.reject(null), 'dockerode', '--docker'),
    ).rejects.toBeNull();
  });
});
