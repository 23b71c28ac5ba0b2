import type { Event } from '../events/event.ts';
import { formatEvent } from '../events/format-event.ts';
import type { OutputFormat } from './parse-args.ts';

/**
 * One flushed batch as the CLI prints it: text (a header line, then one
 * `formatEvent` line per event) or one JSON line `{"batch":N,"events":[...]}`.
 */
export function formatBatch(
  batch: readonly Event[],
  batchNo: number,
  format: OutputFormat,
  at: Date,
): string {
  if (format === 'json') return `${JSON.stringify({ batch: batchNo, events: batch })}\n`;
  const count = batch.length === 1 ? '1 event' : `${batch.length} events`;
  const lines = [`batch ${batchNo} · ${count} · ${at.toTimeString().slice(0, 8)}`];
  for (const event of batch) lines.push(`  ${formatEvent(event)}`);
  return `${lines.join('\n')}\n`;
}
