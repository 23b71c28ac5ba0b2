/** One event as dockerd sends it on `/events`, validated, with its time exact to the nanosecond. */
export interface DockerMessage {
  /** `container`, `image`, `network`... */
  readonly type: string;
  /** `create`, `start`, `health_status: healthy`... */
  readonly action: string;
  /** The actor's id: the container id for container events. */
  readonly actorId: string;
  /** The actor's attributes: the container's labels, plus `name` and `image`. */
  readonly attributes: Readonly<Record<string, string>>;
  /**
   * Nanoseconds since the epoch. A BigInt: the value does not fit a double and JSON.parse rounds
   * it, so it is read from the raw text; `since` and de-duplication need it exact.
   */
  readonly timeNano: bigint;
}

const noAttributes: Readonly<Record<string, string>> = Object.freeze({});
const timeNanoField = '"timeNano":';

/**
 * Validates one parsed line of the event stream. `text` is the line itself, where `timeNano` is
 * read exactly. Returns the message, or why the line is not a usable event.
 */
export function parseDockerMessage(value: unknown, text: string): DockerMessage | string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not an object';
  const raw = value as Record<string, unknown>;
  const type = raw['Type'];
  const action = raw['Action'];
  const actor = raw['Actor'];
  if (typeof type !== 'string' || typeof action !== 'string') return 'no Type or Action';
  if (typeof actor !== 'object' || actor === null) return 'no Actor';
  const actorId = (actor as Record<string, unknown>)['ID'];
  if (typeof actorId !== 'string') return 'no Actor.ID';
  const attributes = readAttributes((actor as Record<string, unknown>)['Attributes']);
  if (attributes === null) return 'Actor.Attributes is not a map of strings';
  const timeNano = readTimeNano(raw, text);
  if (timeNano === null) return 'no timeNano or time';
  return { type, action, actorId, attributes, timeNano };
}

/** Identifies a message among those of the same nanosecond: what a replay repeats exactly. */
export function messageKey(message: DockerMessage): string {
  return `${message.timeNano}\n${message.type}\n${message.action}\n${message.actorId}`;
}

/** A time in ns as the API's `since`/`until` parameter: `<seconds>.<nanoseconds>`, exact. */
export function formatDockerTime(timeNano: bigint): string {
  const seconds = timeNano / 1_000_000_000n;
  const nanos = timeNano % 1_000_000_000n;
  return `${seconds}.${nanos.toString().padStart(9, '0')}`;
}

/** Nanoseconds to the milliseconds of `Event.time`. */
export function nanosToMillis(timeNano: bigint): number {
  return Number(timeNano / 1_000_000n);
}

function readAttributes(value: unknown): Readonly<Record<string, string>> | null {
  if (value === undefined || value === null) return noAttributes;
  if (typeof value !== 'object' || Array.isArray(value)) return null;
  const attributes = value as Record<string, unknown>;
  for (const key in attributes) {
    if (typeof attributes[key] !== 'string') return null;
  }
  return attributes as Record<string, string>;
}

function readTimeNano(raw: Record<string, unknown>, text: string): bigint | null {
  // The top-level field is the last one dockerd writes. Attribute values are strings, so an
  // attribute named timeNano is followed by a quote, never by a digit.
  let at = text.lastIndexOf(timeNanoField);
  while (at !== -1) {
    let start = at + timeNanoField.length;
    while (text.charCodeAt(start) === 32) start++;
    let end = start;
    while (end < text.length && isDigit(text.charCodeAt(end))) end++;
    if (end > start && typeof raw['timeNano'] === 'number') return BigInt(text.slice(start, end));
    at = at === 0 ? -1 : text.lastIndexOf(timeNanoField, at - 1);
  }
  // Daemons before API 1.22 send seconds only.
  const time = raw['time'];
  return typeof time === 'number' && Number.isSafeInteger(time)
    ? BigInt(time) * 1_000_000_000n
    : null;
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}
