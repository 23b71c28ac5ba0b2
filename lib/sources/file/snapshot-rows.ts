import { inflateRawSync } from 'node:zlib';
import type { SnapshotEntry } from './snapshot-columns.ts';

/**
 * The entries of a format-1 snapshot (`[1, [[path, id, size, mtimeMs, dir],
 * ...]]`, JSON, raw-deflated, base64; the formats since are binary, see
 * `SnapshotColumns`), inflated to `maxBytes` at most; null when `text` is not
 * one. @throws when `text` is not deflated JSON (the caller's null too).
 */
export function snapshotRows(text: string, maxBytes: number): [string, SnapshotEntry][] | null {
  const json = inflateRawSync(Buffer.from(text, 'base64'), { maxOutputLength: maxBytes });
  const [format, rows] = JSON.parse(json.toString()) as [unknown, unknown];
  if (format !== 1 || !Array.isArray(rows)) return null;
  const entries: [string, SnapshotEntry][] = [];
  for (const row of rows as unknown[]) {
    if (!Array.isArray(row)) return null;
    const [path, id, size, mtimeMs, dir] = row as unknown[];
    if (typeof path !== 'string' || path === '' || typeof id !== 'string') return null;
    if (typeof size !== 'number' || typeof mtimeMs !== 'number') return null;
    if (id !== '' && !/^\d+:\d+:[\d.e+-]+$/.test(id)) return null;
    entries.push([path, { id, size, mtimeMs, dir: dir === 1 }]);
  }
  return entries;
}
