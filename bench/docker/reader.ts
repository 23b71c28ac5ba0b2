// The Docker source's JSON-lines reader on a real captured stream, against its floor: JSON.parse
// of the same lines already split (what any reader must at least do). `npx node bench/docker/reader.ts`
//
// The stream is spec/unit/sources/docker/fixtures/burst.jsonl (144 container events captured from
// dockerd) repeated to ~30 MB. Variants run interleaved, 5 times each; the table shows medians.
import { readFileSync } from 'node:fs';
import type { Action } from '../../lib/index.ts';
import { dockerActionMap } from '../../lib/index.ts';
import { parseDockerMessage } from '../../lib/sources/docker/docker-message.ts';
import { JsonLinesReader } from '../../lib/sources/docker/json-lines-reader.ts';
import { toDockerEvent } from '../../lib/sources/docker/to-docker-event.ts';
import { collectGarbage, fmt, median, printTable } from '../support.ts';

const RUNS = 5;
const REPEAT = 500;
const fixture = readFileSync(
  new URL('../../spec/unit/sources/docker/fixtures/burst.jsonl', import.meta.url),
);
const stream = Buffer.concat(Array.from({ length: REPEAT }, () => fixture));
const lines = stream
  .toString('utf8')
  .split('\n')
  .filter((line) => line !== '');
const EVENTS = lines.length;
const perEvent = lines.map((line) => Buffer.from(`${line}\n`));
const big = chunk(stream, 64 * 1024);
const actionMap: ReadonlyMap<string, Action> = new Map(Object.entries(dockerActionMap));

function chunk(bytes: Buffer, size: number): Buffer[] {
  const chunks: Buffer[] = [];
  for (let start = 0; start < bytes.length; start += size)
    chunks.push(bytes.subarray(start, start + size));
  return chunks;
}

function readAll(chunks: readonly Buffer[], onValue: (value: unknown, text: string) => void): void {
  const reader = new JsonLinesReader({
    value: onValue,
    malformed: () => {
      throw new Error('malformed');
    },
  });
  for (const c of chunks) reader.write(c);
  reader.end();
}

let sink = 0;
const variants: Array<{ name: string; run: () => number }> = [
  {
    name: '(a) floor: JSON.parse of pre-split lines',
    run: () => {
      let n = 0;
      for (const line of lines) if (JSON.parse(line) !== null) n++;
      return n;
    },
  },
  {
    name: '(b) reader, 64 KiB chunks',
    run: () => {
      let n = 0;
      readAll(big, () => n++);
      return n;
    },
  },
  {
    name: '(c) reader, one chunk per event (live)',
    run: () => {
      let n = 0;
      readAll(perEvent, () => n++);
      return n;
    },
  },
  {
    name: '(d) reader + exact timeNano + Event (source path)',
    run: () => {
      let n = 0;
      readAll(big, (value, text) => {
        const message = parseDockerMessage(value, text);
        if (typeof message !== 'string' && toDockerEvent(message, actionMap) !== null) n++;
      });
      return n;
    },
  },
];

const times = variants.map(() => [] as number[]);
for (let run = 0; run < RUNS + 1; run++) {
  variants.forEach((variant, i) => {
    collectGarbage();
    const start = performance.now();
    const n = variant.run();
    const ms = performance.now() - start;
    if (n !== EVENTS) throw new Error(`${variant.name}: ${n} events, expected ${EVENTS}`);
    sink += n;
    if (run > 0) (times[i] as number[]).push(ms); // run 0 warms the JIT up
  });
}

const floorMs = median(times[0] as number[]);
console.log(
  `stream: ${fmt(stream.length / 1e6, 1)} MB, ${fmt(EVENTS)} events (${fixture.length} B fixture x ${REPEAT}); medians of ${RUNS} runs`,
);
printTable([
  ['variant', 'ms', 'MB/s', 'events/s', 'vs floor'],
  ...variants.map((variant, i) => {
    const ms = median(times[i] as number[]);
    return [
      variant.name,
      fmt(ms, 1),
      fmt(stream.length / 1e6 / (ms / 1000), 0),
      fmt(EVENTS / (ms / 1000)),
      `${fmt(floorMs / ms, 2)}x`,
    ];
  }),
]);
if (sink === 0) console.log('');
