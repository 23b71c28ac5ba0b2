import type { JfsEvent } from './jfs-message.ts';
import { formatNotifyMessage, parseNotifyMessage } from './notify-message.ts';

/**
 * Why a reader cannot prove that it missed nothing: a daemon restarted or
 * its backlog overflowed (both marked in the stream by the daemon), the
 * stream lost entries the reader had not read (trimmed or gone), Redis
 * restarted (`run_id` changed), a pub/sub subscription was renewed, or the
 * proxy accepted clients before its feed was reading (it had just started).
 */
export type GapReason =
  | 'daemon-start'
  | 'daemon-overflow'
  | 'trimmed'
  | 'redis-restart'
  | 'resubscribe'
  | 'proxy-start';

/** Every {@link GapReason}, for counters. */
export const gapReasons: readonly GapReason[] = [
  'daemon-start',
  'daemon-overflow',
  'trimmed',
  'redis-restart',
  'resubscribe',
  'proxy-start',
];

/** A daemon's mark in the stream: it cannot vouch for what came before. */
export type DaemonMarker = 'daemon-start' | 'daemon-overflow';

/** One stream entry, decoded. */
export type StreamEntry =
  | { readonly kind: 'event'; readonly event: JfsEvent }
  | { readonly kind: 'events'; readonly events: JfsEvent[]; readonly invalid: number }
  | { readonly kind: 'marker'; readonly reason: DaemonMarker; readonly daemon: string }
  | { readonly kind: 'invalid' };

/** The fields of a change's stream entry: Go's field names, Op as decimal text. */
export function eventFields(event: JfsEvent): string[] {
  return ['Name', event.name, 'Op', String(event.op), 'Key', event.key];
}

/**
 * The fields of one entry carrying several changes, in order (a daemon's
 * burst): `Events` and Go's JSON array, the pub/sub message format. A reader
 * pays per entry, not per change, so that a burst costs a fraction of one
 * entry per change; `MAXLEN` then bounds entries, each of at most the
 * writer's chunk of changes.
 */
export function batchFields(events: readonly JfsEvent[]): string[] {
  return ['Events', formatNotifyMessage(events)];
}

/** The fields of a daemon's marker entry. */
export function markerFields(reason: DaemonMarker, daemon: string): string[] {
  return ['marker', reason, 'daemon', daemon];
}

/** Decodes the flat field list of one stream entry; never throws. */
export function parseStreamEntry(fields: readonly string[]): StreamEntry {
  if (fields[0] === 'marker') {
    const reason = fields[1];
    if (reason === 'daemon-start' || reason === 'daemon-overflow') {
      return { kind: 'marker', reason, daemon: fields[3] ?? '' };
    }
    return { kind: 'invalid' };
  }
  if (fields[0] === 'Events') {
    const { events, invalid, error } = parseNotifyMessage(fields[1] ?? '');
    return error === undefined && fields.length === 2
      ? { kind: 'events', events, invalid }
      : { kind: 'invalid' };
  }
  if (fields.length !== 6 || fields[0] !== 'Name' || fields[2] !== 'Op' || fields[4] !== 'Key') {
    return { kind: 'invalid' };
  }
  const op = Number(fields[3]);
  if (!Number.isInteger(op) || op < 0 || op > 0xffff_ffff) return { kind: 'invalid' };
  return { kind: 'event', event: { name: fields[1] as string, op, key: fields[5] as string } };
}

/** The millisecond part of a stream entry id (`1700000000000-3`), or NaN. */
export function entryTime(id: string): number {
  return Number(id.slice(0, id.indexOf('-')));
}
