import type { Redis } from 'ioredis';
import type { Event } from '../events/event.ts';
import { tryDecode } from './try-decode.ts';

/**
 * The key whose order a Redis journal keeps across the consumers of a group:
 * the event type and its actor (the container id; a file's absolute path;
 * the name when there is no id), as the queue's default coalescing key.
 * A rename is kept in order with the events of its new path.
 */
export function partitionKey(event: Event): string {
  return `${event.type}\u0000${event.actorId === '' ? event.actorName : event.actorId}`;
}

/** The partition of `key` among `count`: FNV-1a, 32 bits, of its UTF-16 code units. */
export function partitionOf(key: string, count: number): number {
  if (count === 1) return 0;
  return (fnv1a(key, 0x811c9dc5) >>> 0) % count;
}

/**
 * `partitionOf(partitionKey(event), count)` without building the key (it
 * runs once per event on intake).
 */
export function partitionOfEvent(event: Event, count: number): number {
  if (count === 1) return 0;
  const actor = event.actorId === '' ? event.actorName : event.actorId;
  // The key's NUL separator: XOR with 0 leaves the hash as is, then one multiply.
  const typed = Math.imul(fnv1a(event.type, 0x811c9dc5), 0x01000193);
  return (fnv1a(actor, typed) >>> 0) % count;
}

function fnv1a(text: string, seed: number): number {
  let hash = seed;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash;
}

/*
 * Keys (`S` the stream, `G` the group, `P` a partition's stream: `S` itself
 * with one partition, else `S:p<i>`): `P` the entries; `S:meta` the number
 * of partitions; `S:lease:G:<i>` who reads partition i; `S:members:G` the
 * live consumers; `S:dead:G` the dead letters (a hash id → letter) and
 * `S:dead-id:G` their counter; `P:tries:G` failed tries per entry; `S:aside`
 * records that could not be decoded; `S:checkpoints:G:C` the source
 * checkpoints of consumer `C` (its sources resume from them when it restarts
 * under the same name).
 */

/**
 * The stream key of partition `index` of `stream`: the stream itself when it
 * has one partition (the layout of a journal without partitions), else
 * `<stream>:p<index>`.
 */
export function partitionStream(stream: string, index: number, count: number): string {
  return count === 1 ? stream : `${stream}:p${index}`;
}

/** Every partition's stream key, in partition order. */
export function partitionStreams(stream: string, count: number): readonly string[] {
  return Array.from({ length: count }, (_, index) => partitionStream(stream, index, count));
}

/**
 * The number of partitions `stream` was made with: the one kept in
 * `<stream>:meta`, 1 for a stream written before partitions (0.2.0: entries
 * in the stream itself, no meta), `null` for a stream not made yet.
 */
export async function storedPartitionCount(redis: Redis, stream: string): Promise<number | null> {
  const kept = await redis.hget(`${stream}:meta`, 'partitions');
  if (kept !== null) return Number(kept);
  const legacy = (await redis.type(stream)) === 'stream' && (await redis.xlen(stream)) > 0;
  return legacy ? 1 : null;
}

/**
 * Keeps the number of partitions of `stream` in `<stream>:meta` (the first
 * opener sets it) and refuses another: a producer with another number would
 * put a key's events in two partitions. A stream written before partitions
 * (entries in `stream` itself, no meta) opens only with one.
 */
export async function checkPartitionCount(
  redis: Redis,
  stream: string,
  partitions: number,
): Promise<void> {
  const meta = `${stream}:meta`;
  // A stream of 0.2.0 (no meta, its entries in the stream itself) is read only with one partition.
  if (partitions > 1 && (await redis.hget(meta, 'partitions')) === null) {
    if ((await redis.type(stream)) === 'stream' && (await redis.xlen(stream)) > 0) {
      throw new Error(
        `the stream ${stream} holds entries written without partitions: open it with partitions: 1`,
      );
    }
  }
  await redis.hsetnx(meta, 'partitions', String(partitions));
  const kept = Number(await redis.hget(meta, 'partitions'));
  if (kept !== partitions) {
    throw new Error(
      `the stream ${stream} has ${kept} partition(s), not ${partitions}: open it with partitions: ${kept}`,
    );
  }
}

/** Creates `group` on every partition stream that lacks it, at its start (a new group sees every entry kept). */
export async function createGroups(
  redis: Redis,
  streams: readonly string[],
  group: string,
): Promise<void> {
  await Promise.all(
    streams.map(async (stream) => {
      try {
        await redis.xgroup('CREATE', stream, group, '0', 'MKSTREAM');
      } catch (cause) {
        if (!(cause instanceof Error && cause.message.startsWith('BUSYGROUP'))) throw cause;
      }
    }),
  );
}

/** The partition stream a stored record goes back to (a replayed dead letter); one that cannot be decoded, the first. */
export function streamOfRecord(record: string, streams: readonly string[]): string {
  const decoded = tryDecode(record);
  const partition = typeof decoded === 'string' ? 0 : partitionOfEvent(decoded, streams.length);
  return streams[partition] as string;
}
