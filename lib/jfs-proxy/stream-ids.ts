/** True when stream entry id `id` (`ms-seq`) is at or before `until`, compared as numbers. */
export function idAtOrBefore(id: string, until: string): boolean {
  // No arrays: the chain compares one id per change.
  const dash = id.indexOf('-');
  const untilDash = until.indexOf('-');
  const ms = Number(id.slice(0, dash));
  const untilMs = Number(until.slice(0, untilDash));
  return (
    ms < untilMs ||
    (ms === untilMs && Number(id.slice(dash + 1)) <= Number(until.slice(untilDash + 1)))
  );
}

/** `entries-added` and `length` from an `XINFO STREAM` reply (Redis >= 7.0); 0 for what is missing. */
export function streamCounts(reply: unknown): { added: number; length: number } {
  const info = Array.isArray(reply) ? (reply as unknown[]) : [];
  const field = (name: string): number => Number(info[info.indexOf(name) + 1] ?? 0);
  return { added: field('entries-added'), length: field('length') };
}
