// At least once across crashes, with the real SQLite file and real processes: a consumer
// (crash-consumer.ts) is SIGKILLed 20 times in a row at seeded random points (intake, flush,
// retry backoff, after the handler wrote but before the acknowledgement), then runs to the
// end. Not one event may be lost; whatever a handler saw twice must be marked redelivered.
// Replay a failure with BATCHWATCH_SEED=<the seed in its message>.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSqlite } from '../../../lib/journal/load-sqlite.ts';
import { damageRecord, journalRows } from '../../support/journal-rows.ts';
import { mulberry32 } from '../../support/seeded-random.ts';

const consumer = fileURLToPath(new URL('./crash-consumer.ts', import.meta.url));
const seed = Number(process.env['BATCHWATCH_SEED'] ?? 20261207);
const dir = mkdtempSync(join(tmpdir(), 'batchwatch-journal-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  /** Resolves with how the child ended, once it did. */
  readonly ended: Promise<{
    markers: string[];
    code: number | null;
    signal: string | null;
    stderr: string;
  }>;
}

/** Runs the consumer; kills it with SIGKILL at the `occurrence`-th `phase` marker, if `phase`. */
function runConsumer(
  journal: string,
  out: string,
  total: number,
  runSeed: number,
  kill?: { phase: string; occurrence: number },
  mode = '',
): Run {
  const args = [consumer, journal, out, String(total), String(runSeed), mode];
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const markers: string[] = [];
  let stderr = '';
  let buffered = '';
  let seen = 0;
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      markers.push(line);
      if (kill !== undefined && line === kill.phase && ++seen === kill.occurrence)
        child.kill('SIGKILL');
    }
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  return {
    ended: new Promise((resolve) => {
      child.on('close', (code, signal) => resolve({ markers, code, signal, stderr }));
    }),
  };
}

/** The handled lines of each run: `[number, redelivered][]` per run, in order. */
function readDeliveries(out: string): [number, boolean][][] {
  const runs: [number, boolean][][] = [];
  for (const line of readFileSync(out, 'utf8').split('\n')) {
    if (line.startsWith('# run')) runs.push([]);
    else if (line !== '') {
      for (const item of line.split(' ')) {
        runs.at(-1)?.push([Number.parseInt(item, 10), item.endsWith('r')]);
      }
    }
  }
  return runs;
}

describe('a consumer with the SQLite journal, SIGKILLed at random points', () => {
  it('loses no event over 20 kills in a row, and marks every second delivery redelivered', {
    timeout: 240_000,
  }, async () => {
    const journal = join(dir, 'kill.sqlite');
    const out = join(dir, 'kill.out');
    const total = 30_000; // more than 20 short runs can get through: every run is killed
    const random = mulberry32(seed);
    const phases = ['I', 'F', 'B', 'W'];
    const killedAt: string[] = [];
    for (let run = 0; run < 20; run++) {
      const phase = phases[Math.floor(random() * phases.length)] as string;
      const occurrence = 1 + Math.floor(random() * 6);
      const { markers, signal, stderr } = await runConsumer(journal, out, total, seed + run, {
        phase,
        occurrence,
      }).ended;
      expect(stderr, `seed ${seed}, run ${run}`).not.toMatch(/Journal/);
      if (markers.includes('DONE')) break; // finished before the kill came: nothing left to kill
      expect(signal, `seed ${seed}, run ${run}: killed at ${phase}#${occurrence}`).toBe('SIGKILL');
      killedAt.push(`${phase}#${occurrence}`);
    }
    expect(killedAt.length, `seed ${seed}`).toBe(20);
    const last = await runConsumer(journal, out, total, seed + 100).ended;
    expect(last.markers.at(-1), `seed ${seed}: ${last.stderr}`).toBe('DONE');

    const runs = readDeliveries(out);
    const handled = new Set<number>();
    let redelivered = 0;
    for (const [index, deliveries] of runs.entries()) {
      // In order within a run: what is redelivered first, then the new events, no number twice.
      const numbers = deliveries.map(([n]) => n);
      expect(numbers, `seed ${seed}, run ${index}`).toEqual([...numbers].sort((x, y) => x - y));
      expect(new Set(numbers).size, `seed ${seed}, run ${index}`).toBe(numbers.length);
      for (const [n, marked] of deliveries) {
        if (handled.has(n)) {
          expect(marked, `seed ${seed}, run ${index}: ${n} handled again unmarked`).toBe(true);
          redelivered++;
        }
        handled.add(n);
      }
    }
    const lost = [];
    for (let n = 1; n <= total; n++) if (!handled.has(n)) lost.push(n);
    expect(lost, `seed ${seed}: lost events`).toEqual([]);
    expect(handled.size).toBe(total);
    // Everything acknowledged at the end: the journal holds nothing more.
    const db = new (loadSqlite().DatabaseSync)(journal);
    expect(journalRows(db)).toEqual([]);
    db.close();
    console.log(`seed ${seed}: killed at ${killedAt.join(' ')}; ${redelivered} redelivered`);
  });

  it('sets a corrupt record aside, reports it, and delivers every other event', async () => {
    const journal = join(dir, 'corrupt.sqlite');
    const out = join(dir, 'corrupt.out');
    const total = 400;
    const killed = await runConsumer(
      journal,
      out,
      total,
      seed,
      { phase: 'F', occurrence: 1 },
      'hang',
    ).ended;
    expect(killed.signal).toBe('SIGKILL');
    const db = new (loadSqlite().DatabaseSync)(journal);
    const row = journalRows(db)[3];
    expect(row, 'the killed consumer left records unacknowledged').toBeDefined();
    const damaged = `${String(row?.record).slice(0, 9)}\u0000garbage`;
    damageRecord(db, row?.position ?? 0, damaged);
    const victim = Number(JSON.parse(String(row?.record))[2]);
    db.close();

    const last = await runConsumer(journal, out, total, seed + 1).ended;
    expect(last.markers.at(-1)).toBe('DONE');
    expect(last.stderr).toContain(
      `JournalRecordError: Journal record #${row?.position} could not be decoded`,
    );
    const after = new (loadSqlite().DatabaseSync)(journal);
    expect(
      after
        .prepare('SELECT position, record FROM set_aside')
        .all()
        .map((r) => ({ ...r })),
    ).toEqual([{ position: row?.position, record: damaged }]);
    after.close();
    const runs = readDeliveries(out);
    // The damaged record's event is not redelivered (it is kept aside, not dropped); every other is handled.
    expect(runs.at(-1)?.map(([n]) => n)).not.toContain(victim);
    const handled = new Set(runs.flat().map(([n]) => n));
    const missing = [];
    for (let n = 1; n <= total; n++) if (n !== victim && !handled.has(n)) missing.push(n);
    expect(missing).toEqual([]);
  });
});
