import { describe, expect, it } from 'vitest';
import { socketPath } from '../../../lib/jfs-protocol/abstract-socket.ts';

describe('socketPath', () => {
  it('turns a leading @ into the NUL byte of a Linux abstract socket', () => {
    expect(socketPath('@batchwatch')).toBe('\0batchwatch');
    expect(socketPath('@')).toBe('\0');
  });

  it('leaves a file path, and an @ that does not lead, as they are', () => {
    expect(socketPath('/run/jfs.sock')).toBe('/run/jfs.sock');
    expect(socketPath('run/@jfs')).toBe('run/@jfs');
    expect(socketPath('')).toBe('');
  });
});
