/** A revision of a change feed: a decimal string of digits, compared as a big integer. */
export type Revision = string;

const digits = /^[0-9]+$/;

/** True when `value` is a decimal string of digits (leading zeros allowed: `"007"` is 7). */
export function isRevision(value: unknown): value is Revision {
  return typeof value === 'string' && digits.test(value);
}

/**
 * The big integer of a revision, or `null` when it is not a decimal string of
 * digits. Revisions may exceed 2^53 (etcd's are 64-bit), so they are never
 * Numbers.
 *
 * @example parseRevision('18446744073709551615') // 18446744073709551615n
 */
export function parseRevision(value: unknown): bigint | null {
  return isRevision(value) ? BigInt(value) : null;
}

/**
 * Orders two revisions as big integers: negative when `a` is older, 0 when
 * they are equal (`"7"` and `"007"` are), positive when `a` is newer.
 *
 * @throws TypeError when either is not a decimal string of digits.
 * @example ['10', '9'].sort(compareRevisions) // ['9', '10']
 */
export function compareRevisions(a: Revision, b: Revision): number {
  const left = parseRevision(a);
  const right = parseRevision(b);
  if (left === null || right === null) {
    throw new TypeError(`Not a revision: ${JSON.stringify(left === null ? a : b)}`);
  }
  return left < right ? -1 : left > right ? 1 : 0;
}
