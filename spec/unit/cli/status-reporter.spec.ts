import { VirtualTimeScheduler } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { StatusReporter, type StatusReporterOptions } from '../../../lib/cli/status-reporter.ts';
import { BatchwatchError } from '../../../lib/errors.ts';
import { EventSource, type SourceContext } from '../../../lib/sources/event-source.ts';

function source(name: string): { source: EventSource; context: () => SourceContext } {
  let ctx: SourceContext | undefined;
  const made = new EventSource(name, (context) => {
    ctx = context;
  });
  made.subscribe({ error: () => {} });
  return { source: made, context: () => ctx as SourceContext };
}

/** A reconnect warning as the sources raise them: the delay in the message, the reason in cause. */
class ReconnectWarning extends BatchwatchError {
  readonly delayMs: number;
  constructor(delayMs: number, cause: Error) {
    super(`could not connect: ${cause.message}. Reconnecting in ${delayMs} ms (attempt 2)`, {
      cause,
    });
    this.delayMs = delayMs;
  }
}

const clearLine = '\r\u001b[2K';

/** A reporter writing into a string, in virtual time. */
function harness(tty: boolean, options: StatusReporterOptions & { columns?: number } = {}) {
  const scheduler = new VirtualTimeScheduler();
  const state = { out: '', writes: 0 };
  const reporter = new StatusReporter(
    {
      write: (text) => {
        state.out += text;
        state.writes++;
      },
      isTTY: tty,
      columns: options.columns,
    },
    { scheduler, ...options },
  );
  const runUntil = (ms: number): void => {
    // Virtual time moves only from action to action: one at `ms` makes the clock reach it.
    scheduler.schedule(() => {}, ms - scheduler.now());
    scheduler.maxFrames = ms;
    scheduler.flush();
  };
  /** What a terminal shows on the status line: the text after the last clear or newline. */
  const line = (): string => state.out.split(clearLine).at(-1)?.split('\n').at(-1) ?? '';
  return { reporter, scheduler, state, runUntil, line };
}

describe('StatusReporter', () => {
  it('on a terminal, shows one transient line while a source connects or reconnects, cleared when ready', () => {
    const { reporter, state } = harness(true);
    const docker = source('docker');
    reporter.follow(docker.source);
    expect(state.out).toBe('batchwatch: docker connecting');
    state.out = '';
    docker.context().status({ kind: 'ready', since: 0 });
    expect(state.out.startsWith(clearLine)).toBe(true);
    state.out = '';
    docker.context().status({
      kind: 'reconnecting',
      attempt: 2,
      delayMs: 1500,
      error: new Error('ECONNREFUSED'),
    });
    expect(state.out).toBe('batchwatch: docker reconnecting in 2 s (attempt 2): ECONNREFUSED');
    state.out = '';
    reporter.message('a warning');
    // The status line is cleared, the message printed on its own line, the status line drawn again.
    expect(state.out).toBe(
      '\r\u001b[2K' +
        'batchwatch: a warning\n' +
        'batchwatch: docker reconnecting in 2 s (attempt 2): ECONNREFUSED',
    );
    reporter.close();
  });

  it('on a terminal, counts a reconnect delay down once a second, and names the delay once', async () => {
    const { reporter, state, runUntil, line, scheduler } = harness(true);
    const docker = source('docker');
    reporter.follow(docker.source);
    const error = new ReconnectWarning(3000, new Error('connect ENOENT /docker.sock'));
    docker.context().warn(error);
    docker.context().status({ kind: 'reconnecting', attempt: 2, delayMs: 3000, error });
    await Promise.resolve();
    const reason = '(attempt 2): connect ENOENT /docker.sock';
    expect(line()).toBe(`batchwatch: docker reconnecting in 3 s ${reason}`);
    // The warning is the line's own reason: no line of its own, and the delay is not said twice.
    expect(state.out).not.toContain('warning');
    expect(state.out).not.toContain('Reconnecting in');
    const writes = state.writes;
    runUntil(999);
    expect(state.writes).toBe(writes);
    runUntil(1000);
    expect(line()).toBe(`batchwatch: docker reconnecting in 2 s ${reason}`);
    runUntil(2000);
    expect(line()).toBe(`batchwatch: docker reconnecting in 1 s ${reason}`);
    runUntil(3000);
    expect(line()).toBe(`batchwatch: docker reconnecting ${reason}`);
    // Nothing changes any more: nothing is written, however long it waits.
    const settled = state.writes;
    runUntil(10_000);
    expect(state.writes).toBe(settled);
    docker.context().status({ kind: 'ready', since: 10_000 });
    reporter.close();
    expect(scheduler.actions.filter((action) => !action.closed)).toEqual([]);
  });

  it("cuts the status line to the terminal's width", () => {
    const { reporter, line } = harness(true, { columns: 40 });
    const docker = source('docker');
    reporter.follow(docker.source);
    docker.context().status({
      kind: 'reconnecting',
      attempt: 7,
      delayMs: 30_000,
      error: new Error('a long explanation of why the connection broke, '.repeat(4)),
    });
    // 39 columns used, the last one free: 38 characters of the text and an ellipsis.
    expect(line()).toBe('batchwatch: docker reconnecting in 30 …');
    expect(Array.from(line())).toHaveLength(39);
    reporter.close();
  });

  it('on a terminal, prints a warning that is not a reconnect on its own line', async () => {
    const { reporter, state } = harness(true);
    const file = source('file');
    reporter.follow(file.source);
    file.context().warn(new BatchwatchError('cannot watch /x'));
    await Promise.resolve();
    expect(state.out).toContain('batchwatch: file warning: cannot watch /x\n');
    reporter.close();
  });

  it("on a terminal, shows a file scan's progress (files seen, whole seconds) until ready", () => {
    const { reporter, state, runUntil, line, scheduler } = harness(true);
    const file = source('file');
    reporter.follow(file.source);
    file.context().count('scanned', 0);
    file.context().count('scanned', 12_345);
    runUntil(1000);
    expect(line()).toBe('batchwatch: file scanning: 12,345 files seen, 1 s');
    file.context().count('scanned', 5);
    runUntil(2000);
    expect(line()).toBe('batchwatch: file scanning: 12,350 files seen, 2 s');
    file.context().status({ kind: 'ready', since: 2000 });
    state.out = '';
    runUntil(5000);
    expect(state.out).toBe('');
    // No redraw is left scheduled once every source is ready.
    expect(scheduler.actions.filter((action) => !action.closed)).toEqual([]);
    reporter.close();
  });

  it('says once, when every source is first ready, what it watches and how long it took', async () => {
    const { reporter, state, runUntil } = harness(true, {
      describeReady: async () => '3 directories (2 files), docker',
    });
    const file = source('file');
    const docker = source('docker');
    reporter.follow(file.source);
    reporter.follow(docker.source);
    runUntil(1200);
    file.context().status({ kind: 'ready', since: 1200 });
    await new Promise((resolve) => setImmediate(resolve));
    expect(state.out).not.toContain('ready:');
    runUntil(2500);
    docker.context().status({ kind: 'ready', since: 2500 });
    await new Promise((resolve) => setImmediate(resolve));
    expect(state.out).toContain(
      'batchwatch: ready: watching 3 directories (2 files), docker in 2.5 s\n',
    );
    docker.context().status({
      kind: 'reconnecting',
      attempt: 1,
      delayMs: 0,
      error: new Error('lost'),
    });
    docker.context().status({ kind: 'ready', since: 3000 });
    await new Promise((resolve) => setImmediate(resolve));
    expect(state.out.match(/ready: watching/g)).toHaveLength(1);
    reporter.close();
  });

  it('elsewhere, prints every status change and warning as a line, and the ready line', async () => {
    const { reporter, state } = harness(false);
    const file = source('file');
    reporter.follow(file.source);
    file.context().status({ kind: 'ready', since: 0 });
    await new Promise((resolve) => setImmediate(resolve));
    file.context().warn(new BatchwatchError('cannot watch /x'));
    reporter.close();
    expect(state.out.split('\n')).toEqual([
      'batchwatch: file connecting',
      'batchwatch: file ready',
      'batchwatch: ready: watching file in 0.0 s',
      'batchwatch: file warning: cannot watch /x',
      '',
    ]);
  });
});
