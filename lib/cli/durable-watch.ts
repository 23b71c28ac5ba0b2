import type { Event } from '../events/event.ts';
import { formatEvent } from '../events/format-event.ts';
import type { DeadLetter, Journal } from '../journal/journal.ts';
import type { RedisAddress } from '../redis/redis-address.ts';
import type { RedisJournalFlags, WatchConfig } from './parse-args.ts';
import { UsageError } from './usage-error.ts';
import type { CliContext } from './watch-command.ts';

/** What `--state-dir` or `--journal` opened: the journal for the queue, or the exit code when the command is done. */
export type DurableWatch =
  | { readonly journal: (Journal & { close(): Promise<void> }) | null; readonly exitCode: null }
  | { readonly journal: null; readonly exitCode: number };

/**
 * Opens the state directory's journal (node:sqlite loads only here) or the
 * Redis journal (`--journal`; ioredis loads only here), lists the dead
 * letters (`--dead-letters`: done, exit 0) or replays those asked for
 * (`--replay`: delivered first when the watch starts).
 */
export async function openDurableWatch(
  config: WatchConfig,
  cli: CliContext,
): Promise<DurableWatch> {
  if (config.journal !== null) return openRedisWatch(config, config.journal, cli);
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

/**
 * `--journal URL`: the Redis journal of `--group` (its password from the URL,
 * else `$REDIS_PASSWORD`; never printed). Redis not answering is said once,
 * and the watch waits for it; a database the server lacks stops it (exit 2).
 */
async function openRedisWatch(
  config: WatchConfig,
  flags: RedisJournalFlags,
  cli: CliContext,
): Promise<DurableWatch> {
  const { parseRedisAddress, describeRedisAddress } = await import('../redis/redis-address.ts');
  const { probeRedis } = await import('../redis/probe-redis.ts');
  const { RedisJournal } = await import('../journal/redis-journal.ts');
  const pick = (name: string): string | undefined =>
    cli.env[name] === '' ? undefined : cli.env[name];
  let address: RedisAddress;
  try {
    address = parseRedisAddress(flags.url, pick('REDIS_PASSWORD'), '--journal', 0, {
      username: pick('REDIS_USERNAME'),
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const where = describeRedisAddress(address);
  const found = await probeRedis(address);
  if (found.kind === 'no-database') {
    cli.stderr.write(`batchwatch: Redis at ${where} has no database ${address.db ?? 0}.\n`);
    return { journal: null, exitCode: 2 };
  }
  if (found.kind === 'failed') {
    cli.stderr.write(
      `batchwatch: cannot use Redis at ${where}: ${found.reason}; waiting for it.\n`,
    );
  }
  const journal = await RedisJournal.open({
    redis: address,
    group: flags.group,
    ...(flags.consumer === null ? {} : { consumer: flags.consumer }),
    ...(flags.takeoverTimeout === null ? {} : { takeoverTimeout: flags.takeoverTimeout }),
  });
  const label = `group ${flags.group} at ${where}`;
  if (config.listDeadLetters) {
    cli.stdout.write(formatDeadLetters(await journal.deadLetters(), config.format));
    await journal.close();
    return { journal: null, exitCode: 0 };
  }
  const ids =
    config.replay === 'all' ? (await journal.deadLetters()).map((l) => l.id) : config.replay;
  for (const id of ids) {
    const count = await journal.replayDeadLetter(id);
    cli.stderr.write(
      count === 0
        ? `batchwatch: no dead letter ${id} in ${label}\n`
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
