/**
 * Seeds {@link pathHash} per process: which paths collide cannot be known in
 * advance. Drawn at the first hash, not at import: node:crypto costs an
 * import of the package about 10 ms, and only a file source with a
 * checkpoint hashes paths.
 */
let hashSeed: number | undefined;

function seed(): number {
  hashSeed ??= process.getBuiltinModule('node:crypto').randomBytes(4).readUInt32LE(0);
  return hashSeed;
}

/**
 * FNV-1a of the UTF-16 code units of `text` from `start` to `end`, seeded,
 * then mixed (murmur3's finalizer): FNV's low bits depend only on the low
 * bits of each code unit, so names that differ only in high bits (`a` and
 * `\u8061`) would share every slot of a small table, whatever the seed.
 */
export function pathHash(text: string, start = 0, end = text.length): number {
  let hash = 0x811c9dc5 ^ (hashSeed ?? seed());
  for (let k = start; k < end; k++) hash = Math.imul(hash ^ text.charCodeAt(k), 0x01000193);
  hash = Math.imul(hash ^ (hash >>> 16), 0x85ebca6b);
  hash = Math.imul(hash ^ (hash >>> 13), 0xc2b2ae35);
  return (hash ^ (hash >>> 16)) >>> 0;
}

/**
 * The entries of a snapshot's columns by path, through a hash table that
 * holds no string: the paths stay in the columns' one string (100,000
 * paths: a 1 MB table, where a map of strings took 6.6 MB and 60 ms to build
 * on the first deletion a running source saw). Open addressing, at most half
 * full.
 */
export class PathTable {
  /** Per slot: an entry's index + 1, or 0 when free. */
  readonly #slots: Int32Array;

  /** @param starts Where each path starts in `text`, and the end of the last. */
  constructor(text: string, starts: Uint32Array) {
    const entries = starts.length - 1;
    this.#slots = new Int32Array(2 ** Math.ceil(Math.log2(Math.max(16, 2 * entries))));
    const mask = this.#slots.length - 1;
    for (let i = 0; i < entries; i++) {
      let slot = pathHash(text, starts[i] as number, starts[i + 1] as number) & mask;
      while (this.#slots[slot] !== 0) slot = (slot + 1) & mask;
      this.#slots[slot] = i + 1;
    }
  }

  /**
   * The index of `path` in `columns`, or -1. A path given twice (a snapshot
   * never holds one twice; a hostile one may) is found at its first index:
   * its slot comes first along the probes.
   */
  find(path: string, columns: { pathIs(i: number, path: string): boolean }): number {
    const slots = this.#slots;
    const mask = slots.length - 1;
    for (let slot = pathHash(path, 0, path.length) & mask; ; slot = (slot + 1) & mask) {
      const i = (slots[slot] as number) - 1;
      if (i < 0) return -1;
      if (columns.pathIs(i, path)) return i;
    }
  }
}
