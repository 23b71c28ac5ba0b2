import { expect } from 'vitest';
import { type VirtualTime, virtualTime } from '../../lib/testing/index.ts';

/** `virtualTime` with vitest's deep equality, so marble mismatches print a readable diff. */
export function marbles<T>(body: (vt: VirtualTime) => T): T {
  return virtualTime(body, (actual, expected) => expect(actual).toEqual(expected));
}
