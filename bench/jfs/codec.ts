// JFS codec throughput. `npx node bench/jfs/codec.ts` prints the table.
//
// 200,000 events of realistic shape (pod paths 40-60 bytes, keys their parent directory), encoded
// as EVENT frames one event per frame (what the proxy sends) and 64 events per frame (a batch), cut
// into 64 KiB chunks as a socket delivers them. Decode runs a FrameDecoder over the chunks; encode
// builds one frame per event (or per 64). The floor is a plain Buffer.copy of the same bytes in the
// same pieces: no codec can beat it. Each variant runs 5 times, interleaved; the table shows medians.
// Goal: decode at least 1,000,000 events/s.

import { encodeEvents } from '../../lib/jfs-protocol/encode-message.ts';
import { FrameDecoder } from '../../lib/jfs-protocol/frame-decoder.ts';
import type { JfsEvent } from '../../lib/jfs-protocol/jfs-message.ts';
import { collectGarbage, fmt, median, printTable } from '../support.ts';

const EVENTS = 200_000;
const CHUNK = 64 * 1024;
const RUNS = 5;
const GOAL = 1_000_000;

const events: JfsEvent[] = Array.from({ length: EVENTS }, (_, i) => {
  const key = `/data/Home/Documents/project-${i % 1000}`;
  return { name: `${key}/file-${i}.txt`, op: [1, 2, 2, 4, 8][i % 5] as number, key };
});

/** The events as frames of `perFrame` events each. */
function frames(perFrame: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < EVENTS; i += perFrame) out.push(encodeEvents(events.slice(i, i + perFrame)));
  return out;
}

/** The stream cut into socket-sized chunks. */
function chunk(stream: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let offset = 0; offset < stream.length; offset += CHUNK) {
    out.push(stream.subarray(offset, offset + CHUNK));
  }
  return out;
}

interface Variant {
  readonly name: string;
  readonly bytes: number;
  readonly run: () => number;
}

function variants(perFrame: number): Variant[] {
  const encoded = frames(perFrame);
  const stream = Buffer.concat(encoded);
  const chunks = chunk(stream);
  const scratch = Buffer.allocUnsafe(Math.max(CHUNK, encoded[0]?.length ?? 0));
  const label = perFrame === 1 ? '1 event/frame' : `${perFrame} events/frame`;
  return [
    {
      name: `decode, ${label}`,
      bytes: stream.length,
      run: () => {
        const decoder = new FrameDecoder();
        let count = 0;
        for (const piece of chunks) {
          for (const item of decoder.push(piece)) {
            if ('events' in item) count += item.events.length;
          }
        }
        return count;
      },
    },
    {
      name: `  floor: copy the chunks`,
      bytes: stream.length,
      run: () => {
        for (const piece of chunks) piece.copy(scratch);
        return EVENTS;
      },
    },
    {
      name: `encode, ${label}`,
      bytes: stream.length,
      run: () => {
        let count = 0;
        for (let i = 0; i < EVENTS; i += perFrame) {
          count += encodeEvents(
            perFrame === 1 ? [events[i] as JfsEvent] : events.slice(i, i + perFrame),
          ).length;
        }
        return count > 0 ? EVENTS : 0;
      },
    },
    {
      name: `  floor: copy the frames`,
      bytes: stream.length,
      run: () => {
        for (const frame of encoded) frame.copy(scratch);
        return EVENTS;
      },
    },
  ];
}

const all = [...variants(1), ...variants(64)];
const times = new Map<Variant, number[]>(all.map((variant) => [variant, []]));
for (const variant of all) variant.run(); // warm-up
for (let run = 0; run < RUNS; run++) {
  for (const variant of all) {
    collectGarbage();
    const start = process.hrtime.bigint();
    const count = variant.run();
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    if (count !== EVENTS) throw new Error(`${variant.name}: ${count} events, expected ${EVENTS}`);
    times.get(variant)?.push(seconds);
  }
}

const rows: string[][] = [['variant', 'events/s', 'MB/s', 'x floor', 'ms']];
let floorSeconds = 0;
const results: { name: string; eventsPerSecond: number }[] = [];
for (const [index, variant] of all.entries()) {
  const seconds = median(times.get(variant) ?? []);
  // Each codec row is followed by its floor: compare to that.
  const floor = all[index + 1];
  if (!variant.name.startsWith(' ') && floor !== undefined)
    floorSeconds = median(times.get(floor) ?? []);
  const eventsPerSecond = EVENTS / seconds;
  results.push({ name: variant.name, eventsPerSecond });
  rows.push([
    variant.name,
    fmt(eventsPerSecond),
    fmt(variant.bytes / seconds / 1e6, 1),
    variant.name.startsWith(' ') ? '1.0' : fmt(seconds / floorSeconds, 1),
    fmt(seconds * 1000, 1),
  ]);
}
console.log(
  `JFS codec, ${fmt(EVENTS)} events, ${CHUNK / 1024} KiB chunks, median of ${RUNS} runs (MB = 10^6 bytes)`,
);
printTable(rows);
const decode = results.find((result) => result.name === 'decode, 1 event/frame');
const verdict = (decode?.eventsPerSecond ?? 0) >= GOAL ? 'met' : 'NOT met';
console.log(`\nGoal: decode >= ${fmt(GOAL)} events/s with one event per frame: ${verdict}.`);
