import type { Stats } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fileIdentity } from '../../../lib/local-watcher/file-identity.ts';

const stats = (dev: number, ino: number, birthtimeMs: number): Stats =>
  ({ dev, ino, birthtimeMs }) as Stats;

describe('fileIdentity', () => {
  it('is the same for the same device, inode and birth time (a rename keeps all three)', () => {
    expect(fileIdentity(stats(1, 42, 1000.5))).toBe(fileIdentity(stats(1, 42, 1000.5)));
  });

  it('tells apart a new file that reuses a freed inode (another birth time) and other devices', () => {
    expect(fileIdentity(stats(1, 42, 1000.5))).not.toBe(fileIdentity(stats(1, 42, 1007.25)));
    expect(fileIdentity(stats(1, 42, 0))).not.toBe(fileIdentity(stats(2, 42, 0)));
  });

  it('is unknown without stats or without an inode', () => {
    expect(fileIdentity(undefined)).toBeUndefined();
    expect(fileIdentity(stats(1, 0, 5))).toBeUndefined();
  });
});
