// The real event streams captured from a private dockerd (see fixtures/capture-fixtures.ts).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A captured `/events` body: its bytes, and its lines as dockerd wrote them. */
export interface Fixture {
  readonly name: string;
  readonly bytes: Buffer;
  readonly lines: readonly string[];
}

/** Loads `fixtures/<name>.jsonl`. */
export function fixture(name: 'lifecycle' | 'burst' | 'mixed'): Fixture {
  const bytes = readFileSync(join(import.meta.dirname, 'fixtures', `${name}.jsonl`));
  const lines = bytes
    .toString('utf8')
    .split('\n')
    .filter((line) => line !== '');
  return { name, bytes, lines };
}
