import { readFileSync } from 'node:fs';
import { format } from 'node:util';
import { BatchwatchError } from '../errors.ts';
import { redactSecrets, urlPasswords } from '../redact.ts';
import { helpText } from './help.ts';
import { parseCommand } from './parse-args.ts';
import { UsageError } from './usage-error.ts';
import type { CliContext } from './watch-command.ts';

const version = (): string =>
  (
    JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    }
  ).version;

/**
 * The signals that ask to stop, with the code a second one exits with at once (128 + its number).
 * SIGHUP (the terminal closed, `kill -HUP`) stops as cleanly as SIGTERM: what is pending is
 * flushed, not lost.
 */
const STOP_SIGNALS = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const;

/** Until the command serves, a stop request exits at once: nothing is open that needs closing. */
let started = false;

/**
 * Every output of the command (its lines, errors, `DEBUG` logs) goes through
 * here: the credentials it was given (`$REDIS_PASSWORD`, the passwords in
 * URLs of its arguments and environment) are never printed.
 */
async function redacting(argv: readonly string[]) {
  const env = process.env;
  const secrets = [
    ...(env['REDIS_PASSWORD'] ? [env['REDIS_PASSWORD']] : []),
    ...urlPasswords([...argv, ...Object.values(env)]),
  ];
  const wrap = <T extends { write(text: string): unknown }>(stream: T) =>
    Object.assign(Object.create(stream) as T, {
      write: (text: string, ...rest: unknown[]) =>
        (stream.write as (text: string, ...rest: unknown[]) => unknown).call(
          stream,
          redactSecrets(String(text), secrets),
          ...rest,
        ),
    });
  // `debug` prints only with DEBUG set; without it, `--version` loads no package at all.
  if (env['DEBUG']) {
    const { default: createDebug } = await import('debug');
    createDebug.log = (...args: unknown[]) =>
      process.stderr.write(`${redactSecrets(format(...args), secrets)}\n`);
  }
  return { stdout: wrap(process.stdout), stderr: wrap(process.stderr) };
}

/** Resolves with the first stop signal; a second one, or one before serving, exits at once. */
function stopRequested(): Promise<string> {
  const signals = Object.keys(STOP_SIGNALS) as (keyof typeof STOP_SIGNALS)[];
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      if (!started) process.exit(STOP_SIGNALS[signal as keyof typeof STOP_SIGNALS] ?? 143);
      for (const name of signals) {
        process.off(name, onSignal);
        process.once(name, () => process.exit(STOP_SIGNALS[name]));
      }
      resolve(signal);
    };
    for (const name of signals) process.on(name, onSignal);
  });
}

let output = { stdout: process.stdout, stderr: process.stderr };

function context(serving: () => void): CliContext {
  return {
    stdout: output.stdout,
    stderr: output.stderr,
    cwd: process.cwd(),
    env: process.env,
    stopRequested: stopRequested(),
    serving: () => {
      started = true;
      serving();
    },
  };
}

async function main(argv: readonly string[], serving: () => void): Promise<number> {
  const command = parseCommand(argv);
  switch (command.kind) {
    case 'help':
      process.stdout.write(helpText);
      return 0;
    case 'version':
      process.stdout.write(`${version()}\n`);
      return 0;
    // Each command loads only what it uses: `--version` and `proxy` stay light.
    case 'watch':
      return (await import('./watch-command.ts')).runWatch(command.config, context(serving));
    case 'proxy':
      return (await import('./server-commands.ts')).runProxy(command.config, context(serving));
    case 'daemon':
      return (await import('./server-commands.ts')).runDaemon(command.config, context(serving));
  }
}

/**
 * Runs the command `argv` names and sets `process.exitCode`: 0, 1 for a crash, 2 for a usage
 * error. A long-lived command calls `serving` once it serves.
 */
export async function runCli(argv: readonly string[], serving: () => void): Promise<void> {
  output = await redacting(argv);
  const { stderr } = output;
  try {
    process.exitCode = await main(argv, serving);
  } catch (err) {
    if (err instanceof UsageError) {
      stderr.write(`batchwatch: ${err.message}\n`);
      process.exitCode = 2;
    } else if (err instanceof BatchwatchError) {
      stderr.write(`batchwatch: ${err.message}\n`);
      process.exitCode = 2;
    } else {
      stderr.write(
        `batchwatch: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
      );
      process.exitCode = 1;
    }
  }
}
