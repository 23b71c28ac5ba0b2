import type { JfsEvent } from './jfs-message.ts';

/** The Redis pub/sub channel daemons publish node-side changes to, as the Go implementation names it. */
export const NOTIFY_CHANNEL = 'jfsnotify';

/** The outcome of {@link parseNotifyMessage}: the valid events and how many entries were not. */
export interface ParsedNotifyMessage {
  readonly events: JfsEvent[];
  /** Entries skipped: not an object, or a missing or mistyped Name, Op or Key. */
  readonly invalid: number;
  /** Set when the whole message is not a JSON array. */
  readonly error?: string;
}

/**
 * Parses a `jfsnotify` message: a JSON array of `{"Name","Op","Key"}` (Go
 * field names, matched case-insensitively as Go's encoding/json does; Op a
 * number). Never throws.
 */
export function parseNotifyMessage(text: string): ParsedNotifyMessage {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    return { events: [], invalid: 0, error: `not JSON: ${(err as Error).message}` };
  }
  if (!Array.isArray(data)) return { events: [], invalid: 0, error: 'not a JSON array' };
  const events: JfsEvent[] = [];
  let invalid = 0;
  for (const entry of data) {
    const event =
      entry !== null && typeof entry === 'object'
        ? toEvent(entry as Record<string, unknown>)
        : undefined;
    if (event === undefined) invalid++;
    else events.push(event);
  }
  return { events, invalid };
}

function toEvent(entry: Record<string, unknown>): JfsEvent | undefined {
  // This project's writers spell the fields as Go does: no search through the keys needed.
  const { Name, Op, Key } = entry;
  if (
    typeof Name === 'string' &&
    typeof Key === 'string' &&
    typeof Op === 'number' &&
    Number.isInteger(Op) &&
    Op >= 0 &&
    Op <= 0xffff_ffff
  ) {
    return { name: Name, op: Op, key: Key };
  }
  let name: unknown;
  let op: unknown;
  let key: unknown;
  for (const [field, value] of Object.entries(entry)) {
    const lower = field.toLowerCase();
    if (lower === 'name') name = value;
    else if (lower === 'op') op = value;
    else if (lower === 'key') key = value;
  }
  if (typeof name !== 'string' || typeof key !== 'string') return undefined;
  if (typeof op !== 'number' || !Number.isInteger(op) || op < 0 || op > 0xffff_ffff)
    return undefined;
  return { name, op, key };
}

/** Encodes events as a `jfsnotify` message, with Go's field names. */
export function formatNotifyMessage(events: readonly JfsEvent[]): string {
  return JSON.stringify(
    events.map((event) => ({ Name: event.name, Op: event.op, Key: event.key })),
  );
}
