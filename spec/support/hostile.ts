// Ways user code can fail, as a hostile user would write them: each `run` is called where batchwatch
// calls user code (onFlush, a route handler, fetch, mountsOf...). Every one must become one typed
// error, never an uncaught exception, an unhandled rejection or a barrier that never settles.
import { Observable } from 'rxjs';

/** A Proxy that has been revoked: `instanceof`, property reads and String() all throw. */
export function revokedProxy(): object {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
}

/** A Proxy whose getPrototypeOf trap throws: `instanceof Error` throws. */
export function prototypeTrapProxy(): object {
  return new Proxy(
    {},
    {
      getPrototypeOf() {
        throw new Error('getPrototypeOf trap');
      },
    },
  );
}

/** An object that defeats String(), JSON.stringify and every property read. */
export function poisonObject(): object {
  return new Proxy(Object.create(null), {
    get() {
      throw new Error('get trap');
    },
    has() {
      throw new Error('has trap');
    },
    ownKeys() {
      throw new Error('ownKeys trap');
    },
    getOwnPropertyDescriptor() {
      throw new Error('descriptor trap');
    },
  });
}

/** An Error whose message and name getters throw. */
export function poisonError(): Error {
  const error = new Error('x');
  Object.defineProperty(error, 'message', {
    get() {
      throw new Error('message getter');
    },
  });
  Object.defineProperty(error, 'name', {
    get() {
      throw new Error('name getter');
    },
  });
  return error;
}

/** Values that are thrown, rejected or errored. */
const thrownValues: [string, () => unknown][] = [
  ['an Error', () => new Error('boom')],
  ['null', () => null],
  ['undefined', () => undefined],
  ['0', () => 0],
  ['an empty string', () => ''],
  ['false', () => false],
  ['a Symbol', () => Symbol('s')],
  ['a revoked Proxy', revokedProxy],
  ['a Proxy whose getPrototypeOf trap throws', prototypeTrapProxy],
  ['an object whose every trap throws', poisonObject],
  ['an Error whose message getter throws', poisonError],
];

/** One way of failing, and what it does when called. */
export interface HostileCase {
  readonly name: string;
  readonly run: () => unknown;
}

/** Every failing kind: throw, reject, error an Observable, or return a hostile value. 40+ cases. */
export function hostileCases(): HostileCase[] {
  const cases: HostileCase[] = [];
  for (const [what, make] of thrownValues) {
    cases.push({
      name: `throws ${what}`,
      run: () => {
        throw make();
      },
    });
    cases.push({ name: `rejects with ${what}`, run: () => Promise.reject(make()) });
    cases.push({
      name: `errors an Observable with ${what}`,
      run: () => new Observable((subscriber) => subscriber.error(make())),
    });
  }
  cases.push(
    {
      name: 'returns a thenable whose then() throws',
      run: () => ({
        // biome-ignore lint/suspicious/noThenProperty: a hostile thenable is the point.
        then() {
          throw new Error('then threw');
        },
      }),
    },
    {
      name: 'returns a thenable whose then() throws null',
      run: () => ({
        // biome-ignore lint/suspicious/noThenProperty: a hostile thenable is the point.
        then() {
          throw null;
        },
      }),
    },
    {
      name: 'returns an object whose then getter throws',
      run: () =>
        Object.defineProperty({}, 'then', {
          get() {
            throw new Error('then getter');
          },
        }),
    },
    {
      name: 'returns an object whose subscribe getter throws',
      run: () =>
        Object.defineProperty({}, 'subscribe', {
          get() {
            throw new Error('subscribe getter');
          },
        }),
    },
    { name: 'returns a revoked Proxy', run: revokedProxy },
    { name: 'returns an object whose every trap throws', run: poisonObject },
    {
      name: 'returns an object whose subscribe() throws',
      run: () => ({
        subscribe() {
          throw new Error('subscribe threw');
        },
      }),
    },
    {
      name: 'returns a subscribable that errors synchronously and whose unsubscribe throws',
      run: () => ({
        subscribe(observer: { error: (err: unknown) => void }) {
          observer.error(new Error('sync error'));
          return {
            unsubscribe() {
              throw new Error('unsubscribe threw');
            },
          };
        },
      }),
    },
    {
      name: 'returns a thenable that rejects twice and resolves',
      run: () => ({
        // biome-ignore lint/suspicious/noThenProperty: a hostile thenable is the point.
        then(resolve: (value: unknown) => void, reject: (err: unknown) => void) {
          reject(new Error('first'));
          reject(new Error('second'));
          resolve('late');
        },
      }),
    },
    {
      name: 'returns an Observable that errors, then completes',
      run: () =>
        ({
          subscribe(observer: { error: (err: unknown) => void; complete: () => void }) {
            observer.error(new Error('errored'));
            observer.complete();
            return { unsubscribe() {} };
          },
        }) as unknown,
    },
    {
      name: 'is an async function that throws undefined',
      run: async () => {
        await Promise.resolve();
        throw undefined;
      },
    },
  );
  return cases;
}
