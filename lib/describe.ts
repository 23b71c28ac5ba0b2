import { inspect, types } from 'node:util';

/** Longest description, in characters: a message names a value, it does not dump it. */
const maxLength = 200;

/**
 * A short, readable description of any value, for error messages: strings
 * quoted, errors as `Name: message`, objects as JSON. Never throws, whatever
 * the value: a revoked Proxy, a Proxy whose traps throw, an object whose
 * getters, `toJSON` or `Symbol.toStringTag` throw, `null`. A Proxy is
 * described without running any of its traps.
 *
 * @example describe(null) // 'null'; describe('x') // '"x"'; describe(new TypeError('no')) // 'TypeError: no'
 */
export function describe(value: unknown): string {
  try {
    return clip(describeUnsafe(value));
  } catch {
    return 'an indescribable value';
  }
}

/**
 * What a failure's cause says, for "X failed: <cause>" messages: an error's
 * message, otherwise {@link describe}. Never throws.
 */
export function describeCause(cause: unknown): string {
  if (isErrorLike(cause)) {
    const message = safeString(() => (cause as Error).message);
    if (message !== null && message !== '') return clip(message);
  }
  return describe(cause);
}

function describeUnsafe(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'bigint':
      return `${value}n`;
    case 'symbol':
      return value.toString();
    case 'undefined':
    case 'number':
    case 'boolean':
      return String(value);
    case 'function':
      return types.isProxy(value) ? proxyText(value) : 'a function';
    default:
  }
  if (value === null) return 'null';
  if (types.isProxy(value)) return proxyText(value as object);
  if (isErrorLike(value)) {
    const name = safeString(() => (value as Error).name) ?? 'Error';
    const message = safeString(() => (value as Error).message) ?? '';
    return message === '' ? name : `${name}: ${message}`;
  }
  try {
    const json = JSON.stringify(value);
    if (json !== undefined) return json;
  } catch {
    // A cycle, a BigInt, a throwing getter or toJSON: fall back to the tag.
  }
  try {
    return Object.prototype.toString.call(value);
  } catch {
    return 'an object';
  }
}

/** Through node's own view of the object: no trap runs, and a revoked Proxy says so. */
function proxyText(value: object): string {
  try {
    const shown = inspect(value, { showProxy: true, depth: 0, customInspect: false });
    return shown.includes('Revoked') ? 'a revoked Proxy' : `a Proxy (${shown})`;
  } catch {
    return 'a Proxy';
  }
}

/** Whether `value` is an error: native (no trap, no getter runs), or one with Error on its prototype chain. */
function isErrorLike(value: unknown): boolean {
  if (value === null || typeof value !== 'object' || types.isProxy(value)) return false;
  if (types.isNativeError(value)) return true;
  try {
    return value instanceof Error;
  } catch {
    return false;
  }
}

function safeString(read: () => unknown): string | null {
  try {
    const value = read();
    return typeof value === 'string' ? value : null;
  } catch {
    return null;
  }
}

function clip(text: string): string {
  return text.length <= maxLength ? text : `${text.slice(0, maxLength - 1)}…`;
}
