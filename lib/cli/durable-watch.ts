import type { Event } from '../events/event.ts';
import { formatEvent } from '../events/format-event.ts';
import type { DeadLetter, Journal } from '../journal/journal.ts';
import type { WatchConfig } from './parse-args.ts';
import type { CliContext } from './watch-command.ts';

/** What `--state-dir` opened: the journal for the queue, or the exit code when the command is done. */
export type DurableWatch =
  | { readonly journal: (Journal & { close(): Promise<void> }) | null; readonly exitCode: null }
  | { readonly journal: null; readonly exitCode: number };

/**
 * Opens the state directory's journal (node:sqlite loads only here), lists
 * the dead letters (`--dead-letters`: done, exit 0) or replays those asked
 * for (`--replay`: delivered first when the watch starts).
 */
export async function openDurableWatch(
  config: WatchConfig,
  cli: CliContext,
): Promise<DurableWatch> {
  if (config.stateDir === null) return { journal: null, exitCode: null };
  const { openStateDir } = await import('../journal/state-dir.ts');
  const { resolve } = await import('node:path');
  const journal = openStateDir(resolve(cli.cwd, config.stateDir));
  if (config.listDeadLetters) {
    const letters = journal.deadLetters();
    cli.stdout.write(formatDeadLetters(letters, config.format));
    await journal.close();
    return { journal: null, exitCode: 0 };
  }
  const ids = config.replay === 'all' ? journal.deadLetters().map((l) => l.id) : config.replay;
  for (const id of ids) {
    const count = journal.replayDeadLetter(id);
    cli.stderr.write(
      count === 0
        ? `batchwatch: no dead letter ${id} in ${journal.path}\n`
        : `batchwatch: dead letter ${id} replayed: ${count} event(s)\n`,
    );
  }
  return { journal, exitCode: null };
}

/** Marks a batch that carries redelivered events: ` · redelivered` at the end of the text header line. */
export function markRedelivered(text: string, batch: readonly Event[], json: boolean): string {
  if (json || !batch.some((event) => (event as { redelivered?: unknown }).redelivered === true)) {
    return text; // JSON: each redelivered event carries "redelivered":true itself
  }
  const end = text.indexOf('\n');
  return `${text.slice(0, end)} · redelivered${text.slice(end)}`;
}

function formatDeadLetters(letters: readonly DeadLetter[], format: WatchConfig['format']): string {
  if (format === 'json') return letters.map((letter) => `${JSON.stringify(letter)}\n`).join('');
  if (letters.length === 0) return 'no dead letters\n';
  const lines: string[] = [];
  for (const letter of letters) {
    const when = new Date(letter.time).toISOString();
    lines.push(
      `dead letter ${letter.id} · ${letter.events.length} event(s) · ${letter.tries} tries · ${when} · ${letter.cause}`,
    );
    for (const event of letter.events) lines.push(`  ${formatEvent(event)}`);
    for (const record of letter.undecodable) lines.push(`  (undecodable) ${record}`);
  }
  return `${lines.join('\n')}\n`;
}
