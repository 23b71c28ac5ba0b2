import { parseHostPort } from '../host-port.ts';
import { type DurationRule, durationText, resolveDuration } from '../options.ts';
import type { JfsPod } from './command-config.ts';
import { UsageError } from './usage-error.ts';

// Reading one flag's value, shared by every command's parser; each error is a one-line UsageError.

/** Runs Node's parser, turning its errors into one-line usage errors. */
export function usage<T>(run: () => T): T {
  try {
    return run();
  } catch (err) {
    const message = (err as Error).message;
    const unknown = /^Unknown option '([^']+)'/.exec(message)?.[1];
    const text = unknown === undefined ? message.replace(/\.$/, '') : `unknown flag ${unknown}`;
    throw new UsageError(`${text}. See batchwatch --help.`);
  }
}

/** A whole-number flag >= 1, as `{ [option]: n }`, or nothing when not given. */
export function optionalCount<K extends string>(
  flag: string,
  text: string | undefined,
  option: K,
): { [key in K]?: number } {
  if (text === undefined) return {};
  if (!/^[1-9]\d*$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new UsageError(`${flag} takes a whole number >= 1, not "${text}".`);
  }
  return { [option]: Number(text) } as { [key in K]?: number };
}

/** A duration flag in ms, checked as the library checks duration options (at most 2^31-1 ms). */
export function parseDuration(flag: string, text: string, rule: DurationRule = {}): number {
  const value = text.trim() === '' ? Number.NaN : Number(text);
  try {
    return resolveDuration(flag, value, rule);
  } catch {
    throw new UsageError(`${flag} takes ${durationText(rule)}, not "${text}".`);
  }
}

/**
 * `--metrics [HOST:]PORT`: a TCP port (0 picks a free one) on 127.0.0.1, or on HOST
 * (`0.0.0.0`, `[::]`, an interface address).
 */
export function parseMetricsAddress(value: string | undefined): {
  port: number | null;
  host: string;
} {
  if (value === undefined) return { port: null, host: DEFAULT_METRICS_HOST };
  const parsed = /^\d+$/.test(value)
    ? { host: '', port: Number(value), path: '' }
    : parseHostPort(value);
  if (parsed === null || parsed.port === undefined || parsed.path !== '' || parsed.port > 65535) {
    throw new UsageError(
      `--metrics takes [HOST:]PORT, a TCP port from 0 to 65535 (HOST default ${DEFAULT_METRICS_HOST}), not "${value}".`,
    );
  }
  return { port: parsed.port, host: parsed.host === '' ? DEFAULT_METRICS_HOST : parsed.host };
}

/** Where `--metrics PORT` listens without a HOST: this machine only. */
export const DEFAULT_METRICS_HOST = '127.0.0.1';

/** `--jfs-pod NAMESPACE/POD/CONTAINER`: three non-empty names. */
export function parseJfsPod(value: string): JfsPod {
  const parts = value.split('/');
  if (parts.length !== 3 || parts.some((part) => part === '')) {
    throw new UsageError(
      `--jfs-pod takes NAMESPACE/POD/CONTAINER (the pod the proxy maps paths for), not "${value}".`,
    );
  }
  const [namespace, pod, container] = parts as [string, string, string];
  return { namespace, pod, container };
}
