import { actionName } from '../events/action.ts';
import type { Event } from '../events/event.ts';
import { formatEvent } from '../events/format-event.ts';
import type { OutputFormat } from './parse-args.ts';

/**
 * One flushed batch as the CLI prints it: text (a header line, then one
 * `formatEvent` line per event; a rename as `renamed old -> new`) or one JSON
 * line `{"batch":N,"events":[...]}` whose events carry `actionName`
 * (`"created"`) right after the `action` number.
 */
export function formatBatch(
  batch: readonly Event[],
  batchNo: number,
  format: OutputFormat,
  at: Date,
): string {
  if (format === 'json') {
    return `${JSON.stringify({ batch: batchNo, events: batch.map(withActionName) })}\n`;
  }
  const count = batch.length === 1 ? '1 event' : `${batch.length} events`;
  const lines = [`batch ${batchNo} · ${count} · ${at.toTimeString().slice(0, 8)}`];
  for (const event of batch) lines.push(`  ${eventLine(event)}`);
  return `${lines.join('\n')}\n`;
}

function eventLine(event: Event): string {
  if (event.oldName === undefined || event.actorName === '') return formatEvent(event);
  return `${actionName(event.action)} ${event.oldName} -> ${event.actorName}`;
}

/** The event's own fields, in order, with `actionName` inserted after `action`. */
function withActionName(event: Event): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(event)) {
    out[key] = value;
    if (key === 'action') out['actionName'] = actionName(event.action);
  }
  return out;
}
