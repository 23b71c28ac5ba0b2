// reportRefusals: the client asks the server why it refuses a WATCH, and reports the answer.
import { VirtualAction, VirtualTimeScheduler } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { encodeMessage } from '../../../../lib/jfs-protocol/encode-message.ts';
import { MessageType } from '../../../../lib/jfs-protocol/message-type.ts';
import { MalformedFrameError } from '../../../../lib/jfs-protocol/protocol-errors.ts';
import { WatchRefusedError } from '../../../../lib/sources/jfs/jfs-client-errors.ts';
import { JfsWatcher } from '../../../../lib/sources/jfs/jfs-watcher.ts';
import { MemoryTransport } from './memory-transport.ts';

const channelId = 'ns/web-0/app/w';
const refusal = encodeMessage({
  type: MessageType.Error,
  channelId,
  path: '/etc',
  reason: 'it is not inside any hostPath mount of the container.',
});

function watcher(reportRefusals?: boolean) {
  const transport = new MemoryTransport();
  const w = new JfsWatcher({
    namespace: 'ns',
    pod: 'web-0',
    container: 'app',
    name: 'w',
    env: {},
    server: 'proxy:5079',
    paths: ['/etc'],
    scheduler: new VirtualTimeScheduler(VirtualAction, 1_000_000),
    transport,
    ...(reportRefusals === undefined ? {} : { reportRefusals }),
  });
  const warnings: Error[] = [];
  w.warnings$.subscribe((warning) => warnings.push(warning));
  transport.last.accept();
  return { w, transport, warnings };
}

describe('JfsWatcher reportRefusals', () => {
  it('asks with WANT_ERRORS after CLEAR and before the WATCHes, and reports an ERROR as a warning', () => {
    const { transport, warnings } = watcher(true);
    expect(transport.last.messages()).toEqual([
      { type: MessageType.Clear, channelId },
      { type: MessageType.WantErrors, channelId },
      { type: MessageType.Watch, channelId, paths: ['/etc'] },
    ]);
    transport.last.receive(refusal);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toBeInstanceOf(WatchRefusedError);
    expect(warnings[0]).toMatchObject({ channelId, path: '/etc', address: 'proxy:5079' });
    expect(warnings[0]?.message).toBe(
      'proxy:5079 refused to watch "/etc" for "ns/web-0/app/w": it is not inside any hostPath ' +
        'mount of the container. Check the identity (namespace/pod/container) the client gives, ' +
        'and the mounts the proxy knows for it.',
    );
  });

  it("by default sends exactly Go's frames, and takes an ERROR it did not ask for as malformed", () => {
    const { transport, warnings } = watcher();
    expect(transport.last.messages().map((message) => message.type)).toEqual([
      MessageType.Clear,
      MessageType.Watch,
    ]);
    transport.last.receive(refusal);
    expect(warnings[0]).toBeInstanceOf(MalformedFrameError);
  });
});
