/** One stream entry as Redis answers it: its id and its fields (a field may repeat). */
export interface StreamEntry {
  /** The stream (key) it is in. */
  readonly stream: string;
  readonly id: string;
  /** Field name → its values in order; empty for an entry that was trimmed while pending. */
  readonly fields: ReadonlyMap<string, readonly string[]>;
}

/**
 * The entries of an XREADGROUP / XRANGE / XAUTOCLAIM reply
 * (`[[key, [[id, [field, value, ...]], ...]]]`, or `null`): an entry
 * deleted while pending comes as `[id, null]` and gets no fields.
 */
export function streamEntries(reply: unknown): StreamEntry[] {
  const entries: StreamEntry[] = [];
  if (!Array.isArray(reply)) return entries;
  for (const stream of reply) {
    const list = Array.isArray(stream) ? (stream[1] as unknown) : null;
    const key = Array.isArray(stream) ? String(stream[0]) : '';
    if (!Array.isArray(list)) continue;
    for (const raw of list) {
      if (!Array.isArray(raw) || typeof raw[0] !== 'string') continue;
      const fields = new Map<string, string[]>();
      const flat = Array.isArray(raw[1]) ? (raw[1] as unknown[]) : [];
      for (let i = 0; i + 1 < flat.length; i += 2) {
        const name = String(flat[i]);
        const values = fields.get(name) ?? [];
        values.push(String(flat[i + 1]));
        fields.set(name, values);
      }
      entries.push({ stream: key, id: raw[0], fields });
    }
  }
  return entries;
}

/** Compares two stream ids (`ms-seq`) as Redis orders them. */
export function compareStreamIds(a: string, b: string): number {
  const [am = '0', as = '0'] = a.split('-');
  const [bm = '0', bs = '0'] = b.split('-');
  const ms = BigInt(am) - BigInt(bm);
  if (ms !== 0n) return ms < 0n ? -1 : 1;
  const seq = BigInt(as) - BigInt(bs);
  return seq === 0n ? 0 : seq < 0n ? -1 : 1;
}
