/**
 * The bits of a JFS event's `op`: the numbers of Go's fsnotify, so that they
 * travel unchanged between Go and TypeScript peers.
 */
export const Op = {
  Create: 1,
  Write: 2,
  Remove: 4,
  Rename: 8,
  Chmod: 16,
} as const;

/** One of the {@link Op} bits. An op on the wire is any combination of them. */
export type Op = (typeof Op)[keyof typeof Op];

// Go's String() order, which is not the numeric order.
const stringOrder: readonly (readonly [Op, string])[] = [
  [Op.Create, 'CREATE'],
  [Op.Remove, 'REMOVE'],
  [Op.Write, 'WRITE'],
  [Op.Rename, 'RENAME'],
  [Op.Chmod, 'CHMOD'],
];

/**
 * The op as Go's `Op.String()` prints it: the set bits in the order CREATE,
 * REMOVE, WRITE, RENAME, CHMOD joined by `|`, or `[no events]`. Unknown bits
 * are not printed.
 *
 * @example opString(Op.Create | Op.Write) // 'CREATE|WRITE'
 */
export function opString(op: number): string {
  let text = '';
  for (const [bit, name] of stringOrder) {
    if ((op & bit) !== 0) text = text === '' ? name : `${text}|${name}`;
  }
  return text === '' ? '[no events]' : text;
}

/**
 * Go's `Op.Has(h)`: true when every bit of `h` is set in `op`.
 *
 * @example opHas(Op.Create | Op.Write, Op.Write) // true
 */
export function opHas(op: number, h: number): boolean {
  return (op & h) === h;
}
