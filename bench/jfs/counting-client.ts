// A raw JFS client for the benchmarks: CLEAR + WATCH /data (or a path below it) as pod
// default/bench/app, counting the records of the EVENT frames it gets without copying them.
import { createConnection, type Socket } from 'node:net';
import { encodeMessage } from '../../lib/jfs-protocol/encode-message.ts';
import { MessageType } from '../../lib/jfs-protocol/message-type.ts';

/**
 * A client that sends CLEAR + WATCH `path` and counts the records of the EVENT frames it gets;
 * `onRecords` (optional) is called with the running count each time a frame is complete.
 * `closed()` says whether the proxy closed the connection (a resync: a bench must fail, not wait).
 * A bench whose runs follow each other gives each run its own `path`: a proxy sends a client
 * that starts watching a path that path's changes of about the last second (the catch-up), which
 * would be counted again.
 */
export async function countingClient(
  address: string,
  name = 'c0',
  onRecords?: (count: number) => void,
  path = '/data',
): Promise<{ socket: Socket; count: () => number; closed: () => boolean }> {
  const [host, port] = address.split(/:(?=\d+$)/) as [string, string];
  const socket = createConnection({ host, port: Number(port) });
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  let records = 0;
  // Counts whole frames without copying them: the 4-byte prefix, then `skip` bytes of payload.
  const prefix = Buffer.alloc(4);
  let prefixBytes = 0;
  let skip = 0;
  let inFrame = 0;
  socket.on('data', (chunk: Buffer) => {
    let offset = 0;
    while (offset < chunk.length) {
      if (skip > 0) {
        const take = Math.min(skip, chunk.length - offset);
        skip -= take;
        offset += take;
        if (skip === 0) {
          records += inFrame;
          onRecords?.(records);
        }
        continue;
      }
      prefix[prefixBytes++] = chunk[offset++] as number;
      if (prefixBytes < 4) continue;
      prefixBytes = 0;
      const length = prefix.readUInt32BE(0);
      inFrame = Math.floor((length - 4) / 514);
      skip = length;
      if (skip === 0) records += inFrame;
    }
  });
  const channelId = `default/bench/app/${name}`;
  socket.write(encodeMessage({ type: MessageType.Clear, channelId }));
  socket.write(encodeMessage({ type: MessageType.Watch, channelId, paths: [path] }));
  let closed = false;
  socket.once('close', () => {
    closed = true;
  });
  return { socket, count: () => records, closed: () => closed };
}
