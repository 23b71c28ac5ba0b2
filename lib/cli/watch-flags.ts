import type { RedisJournalFlags, WatchConfig } from './command-config.ts';
import { parseDuration } from './flag-values.ts';
import { UsageError } from './usage-error.ts';

// The flags of `batchwatch watch` beyond its sources: durable delivery, and how a batch closes.

/**
 * `--state-dir DIR` or `--journal URL [--group NAME] [--consumer NAME] [--takeover-timeout MS]`,
 * `--dead-letters`, `--replay ID|all`: durable delivery (see the README).
 */
export function parseDurableFlags(values: {
  'state-dir'?: string | undefined;
  journal?: string | undefined;
  group?: string | undefined;
  consumer?: string | undefined;
  'takeover-timeout'?: string | undefined;
  'dead-letters'?: boolean | undefined;
  replay?: string[] | undefined;
}): Pick<WatchConfig, 'stateDir' | 'journal' | 'listDeadLetters' | 'replay'> {
  const stateDir = values['state-dir'] ?? null;
  if (stateDir === '') throw new UsageError('--state-dir needs a directory.');
  const journal = parseJournalFlags(values);
  if (stateDir !== null && journal !== null) {
    throw new UsageError('--state-dir and --journal are two journals: give one.');
  }
  const listDeadLetters = values['dead-letters'] ?? false;
  const replayed = values.replay ?? [];
  if (stateDir === null && journal === null && (listDeadLetters || replayed.length > 0)) {
    const flag = listDeadLetters ? '--dead-letters' : '--replay';
    throw new UsageError(
      `${flag} needs --state-dir DIR or --journal URL: the journal that keeps the dead letters.`,
    );
  }
  let replay: number[] | 'all' = [];
  for (const item of replayed) {
    if (item === 'all') replay = 'all';
    else if (/^[1-9]\d*$/.test(item)) {
      if (replay !== 'all') replay.push(Number(item));
    } else throw new UsageError(`--replay takes a dead letter's id or all, not "${item}".`);
  }
  return { stateDir, journal, listDeadLetters, replay };
}

function parseJournalFlags(values: {
  journal?: string | undefined;
  group?: string | undefined;
  consumer?: string | undefined;
  'takeover-timeout'?: string | undefined;
}): RedisJournalFlags | null {
  const url = values.journal;
  if (url === undefined) {
    for (const flag of ['group', 'consumer', 'takeover-timeout'] as const) {
      if (values[flag] !== undefined) {
        throw new UsageError(`--${flag} needs --journal URL: the Redis journal it belongs to.`);
      }
    }
    return null;
  }
  if (url === '') throw new UsageError('--journal needs a Redis URL, like redis://host:6379.');
  for (const flag of ['group', 'consumer'] as const) {
    if (values[flag] === '') throw new UsageError(`--${flag} needs a name.`);
  }
  const timeout = values['takeover-timeout'];
  let takeoverTimeout: number | null = null;
  if (timeout !== undefined) {
    takeoverTimeout = Number(timeout);
    if (!/^\d+$/.test(timeout) || takeoverTimeout < 30 || takeoverTimeout > 2_147_483_647) {
      throw new UsageError(
        `--takeover-timeout takes a whole number of ms from 30, not "${timeout}".`,
      );
    }
  }
  return {
    url,
    group: values.group ?? 'batchwatch',
    consumer: values.consumer ?? null,
    takeoverTimeout,
  };
}

/** `--settle`, `--max-wait`, `--hold-while`, `--max-hold`: how a batch window closes. */
export function parseSettleAndHold(values: {
  interval?: string | undefined;
  settle?: string | undefined;
  'max-wait'?: string | undefined;
  'hold-while'?: string[] | undefined;
  'max-hold'?: string | undefined;
}): Pick<WatchConfig, 'settle' | 'holdWhile' | 'maxHold'> {
  const settle = values.settle;
  const maxWaitText = values['max-wait'];
  if (settle !== undefined && values.interval !== undefined) {
    throw new UsageError('--settle replaces --interval (a fixed window): give one of them.');
  }
  if (maxWaitText !== undefined && settle === undefined) {
    throw new UsageError('--max-wait needs --settle MS: it caps a settling window.');
  }
  const positive = { exclusive: true };
  const quiet = settle === undefined ? undefined : parseDuration('--settle', settle, positive);
  const maxWait =
    maxWaitText === undefined ? undefined : parseDuration('--max-wait', maxWaitText, positive);
  if (quiet !== undefined && maxWait !== undefined && maxWait < quiet) {
    throw new UsageError(`--max-wait (${maxWait}) must be at least --settle (${quiet}).`);
  }
  const holdWhile = values['hold-while'] ?? [];
  if (holdWhile.includes('')) throw new UsageError('--hold-while takes a file path, not "".');
  const maxHoldText = values['max-hold'];
  if (maxHoldText !== undefined && holdWhile.length === 0) {
    throw new UsageError('--max-hold needs --hold-while PATH: the file whose presence holds.');
  }
  return {
    ...(quiet === undefined
      ? {}
      : { settle: maxWait === undefined ? { quiet } : { quiet, maxWait } }),
    ...(holdWhile.length === 0 ? {} : { holdWhile }),
    ...(maxHoldText === undefined
      ? {}
      : { maxHold: parseDuration('--max-hold', maxHoldText, positive) }),
  };
}
