/** True when stream entry id `id` (`ms-seq`) is at or before `until`, compared as numbers. */
export function idAtOrBefore(id: string, until: string): boolean {
  const [ms, seq] = id.split('-').map(Number) as [number, number];
  const [untilMs, untilSeq] = until.split('-').map(Number) as [number, number];
  return ms < untilMs || (ms === untilMs && seq <= untilSeq);
}

/** `entries-added` and `length` from an `XINFO STREAM` reply (Redis >= 7.0); 0 for what is missing. */
export function streamCounts(reply: unknown): { added: number; length: number } {
  const info = Array.isArray(reply) ? (reply as unknown[]) : [];
  const field = (name: string): number => Number(info[info.indexOf(name) + 1] ?? 0);
  return { added: field('entries-added'), length: field('length') };
}
