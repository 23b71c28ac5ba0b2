import { VirtualTimeScheduler } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { StatusReporter } from '../../../lib/cli/status-reporter.ts';
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

describe('StatusReporter', () => {
  it('on a terminal, shows one transient line while a source connects or reconnects, cleared when ready', () => {
    let out = '';
    const reporter = new StatusReporter({
      write: (text) => {
        out += text;
      },
      isTTY: true,
    });
    const docker = source('docker');
    reporter.follow(docker.source);
    expect(out).toBe('batchwatch: docker connecting');
    out = '';
    docker.context().status({ kind: 'ready', since: 0 });
    expect(out).toBe('\r\u001b[2K');
    out = '';
    docker.context().status({
      kind: 'reconnecting',
      attempt: 2,
      delayMs: 1500,
      error: new Error('ECONNREFUSED'),
    });
    expect(out).toBe('batchwatch: docker reconnecting in 1.5 s (attempt 2): ECONNREFUSED');
    out = '';
    reporter.message('a warning');
    // The status line is cleared, the message printed on its own line, the status line drawn again.
    expect(out).toBe(
      '\r\u001b[2K' +
        'batchwatch: a warning\n' +
        'batchwatch: docker reconnecting in 1.5 s (attempt 2): ECONNREFUSED',
    );
    reporter.close();
  });

  it("on a terminal, shows a file scan's progress (files seen, time spent) until ready", () => {
    const scheduler = new VirtualTimeScheduler();
    const runUntil = (ms: number): void => {
      scheduler.maxFrames = ms;
      scheduler.flush();
    };
    let out = '';
    const reporter = new StatusReporter(
      {
        write: (text) => {
          out += text;
        },
        isTTY: true,
      },
      scheduler,
    );
    const file = source('file');
    reporter.follow(file.source);
    file.context().count('scanned', 0);
    out = '';
    file.context().count('scanned', 12_345);
    runUntil(1500);
    expect(out.split('\r\u001b[2K').at(-1)).toBe(
      'batchwatch: file scanning: 12,345 files seen, 1.5 s',
    );
    file.context().status({ kind: 'ready', since: 0 });
    out = '';
    runUntil(2500);
    expect(out).toBe('');
    // No redraw is left scheduled once every source is ready.
    expect(scheduler.actions.filter((action) => !action.closed)).toEqual([]);
    reporter.close();
  });

  it('elsewhere, prints every status change and warning as a line', () => {
    let out = '';
    const reporter = new StatusReporter({
      write: (text) => {
        out += text;
      },
      isTTY: false,
    });
    const file = source('file');
    reporter.follow(file.source);
    file.context().status({ kind: 'ready', since: 0 });
    file.context().warn(new BatchwatchError('cannot watch /x'));
    reporter.close();
    expect(out.split('\n')).toEqual([
      'batchwatch: file connecting',
      'batchwatch: file ready',
      'batchwatch: file warning: cannot watch /x',
      '',
    ]);
  });
});
