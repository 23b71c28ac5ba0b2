import { Observable, Subject } from 'rxjs';
import { expect, it, describe as suite } from 'vitest';
import { describe, describeCause } from '../../lib/describe.ts';
import { type Settled, settle } from '../../lib/settle.ts';
import {
  hostileCases,
  poisonError,
  poisonObject,
  prototypeTrapProxy,
  revokedProxy,
} from '../support/hostile.ts';

/** Runs `run` through settle() and resolves with every outcome reported (there must be one). */
async function outcomes(run: () => unknown): Promise<Settled[]> {
  const seen: Settled[] = [];
  settle(run, (outcome) => seen.push(outcome));
  // Thenables and async functions settle within a few microtask turns.
  for (let i = 0; i < 10 && seen.length === 0; i++) await new Promise((r) => setImmediate(r));
  await new Promise((r) => setImmediate(r));
  return seen;
}

suite('settle()', () => {
  it.each(hostileCases())('$name: one failure, described safely', async ({ run }) => {
    const seen = await outcomes(run);
    expect(seen).toHaveLength(1);
    const outcome = seen[0] as Settled;
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(typeof describe(outcome.cause)).toBe('string');
    expect(typeof describeCause(outcome.cause)).toBe('string');
  });

  const successes: [string, () => unknown, Settled['via']][] = [
    ['returns nothing', (): unknown => undefined, 'return'],
    ['returns a value', (): unknown => 42, 'return'],
    ['resolves', () => Promise.resolve('v'), 'thenable'],
    ['completes an Observable', () => new Observable((s) => s.complete()), 'observable'],
    [
      'resolves a thenable twice',
      () => ({
        // biome-ignore lint/suspicious/noThenProperty: a thenable is the point.
        then: (ok: (v: unknown) => void) => {
          ok(1);
          ok(2);
        },
      }),
      'thenable',
    ],
  ];
  it.each(successes)('%s: one success, synchronous when it can be', async (_name, run, via) => {
    const seen = await outcomes(run);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ ok: true, via });
  });

  it('answers synchronously for a synchronous outcome', () => {
    const seen: Settled[] = [];
    settle(
      () => {
        throw null;
      },
      (outcome) => seen.push(outcome),
    );
    expect(seen).toEqual([{ ok: false, cause: null, via: 'return' }]);
  });

  it('cancels a pending Observable: unsubscribed, and never answers', () => {
    const subject = new Subject<void>();
    const seen: Settled[] = [];
    const work = settle(
      () => subject,
      (outcome) => seen.push(outcome),
    );
    expect(subject.observed).toBe(true);
    work?.unsubscribe();
    expect(subject.observed).toBe(false);
    subject.error(new Error('late'));
    expect(seen).toEqual([]);
  });

  it('with first, settles with the first value, or fails when the Observable completes empty', async () => {
    const first: Settled[] = [];
    settle(
      () => new Observable((s) => s.next('v')),
      (o) => first.push(o),
      { first: true },
    );
    expect(first).toEqual([{ ok: true, value: 'v', via: 'observable' }]);
    const empty: Settled[] = [];
    settle(
      () => new Observable((s) => s.complete()),
      (o) => empty.push(o),
      { first: true, emptyMessage: 'no response' },
    );
    expect(empty).toMatchObject([{ ok: false, cause: new TypeError('no response') }]);
  });
});

suite('describe()', () => {
  it.each([
    ['null', null, 'null'],
    ['undefined', undefined, 'undefined'],
    ['a string', 'x', '"x"'],
    ['a number', 3, '3'],
    ['a bigint', 3n, '3n'],
    ['a symbol', Symbol('s'), 'Symbol(s)'],
    ['a function', () => 1, 'a function'],
    ['an Error', new TypeError('no'), 'TypeError: no'],
    ['an object', { a: 1 }, '{"a":1}'],
    ['a revoked Proxy', revokedProxy(), 'a revoked Proxy'],
  ])('describes %s', (_name, value, text) => {
    expect(describe(value)).toBe(text);
  });

  it.each([
    ['a Proxy whose getPrototypeOf trap throws', prototypeTrapProxy()],
    ['an object whose every trap throws', poisonObject()],
    ['an Error whose getters throw', poisonError()],
    [
      'a cycle',
      (() => {
        const a: Record<string, unknown> = {};
        a['a'] = a;
        return a;
      })(),
    ],
    [
      'an object whose toJSON throws',
      {
        toJSON: () => {
          throw new Error('x');
        },
      },
    ],
  ])('never throws, even for %s', (_name, value) => {
    expect(typeof describe(value)).toBe('string');
    expect(typeof describeCause(value)).toBe('string');
  });

  it('clips long values', () => {
    expect(describe('x'.repeat(10_000)).length).toBeLessThanOrEqual(200);
  });
});
