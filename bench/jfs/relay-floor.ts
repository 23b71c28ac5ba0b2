// A floor for the proxy's CPU at rest: the least a Node process can do for the same work, with
// no library. `node bench/jfs/relay-floor.ts <redis port> <channel>` subscribes to the channel
// over a raw socket (RESP by hand), listens on 127.0.0.1 (prints `listening on <port>`), and
// writes each message's payload to every connected client, length first. Started by
// proxy-footprint.ts, measured beside the proxy: at the same rate to one client (CPU), and holding
// 1,000 idle clients (RSS).
import { createConnection, createServer, type Socket } from 'node:net';

const [redisPort, channel = 'jfsnotify'] = process.argv.slice(2);
const clients = new Set<Socket>();
const server = createServer((socket) => {
  clients.add(socket);
  socket.on('error', () => {});
  socket.on('close', () => clients.delete(socket));
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stderr.write(`listening on ${typeof address === 'object' ? address?.port : address}\n`);
});
const redis = createConnection({ port: Number(redisPort), host: '127.0.0.1' });
redis.write(`*2\r\n$9\r\nSUBSCRIBE\r\n$${Buffer.byteLength(channel)}\r\n${channel}\r\n`);
let pending: Buffer = Buffer.alloc(0);

/** The bulk string at `at` (`$n\r\n...\r\n`): its bytes and where the next element starts. */
function bulk(buffer: Buffer, at: number): [Buffer, number] | null {
  const end = buffer.indexOf('\r\n', at);
  if (end < 0 || buffer[at] !== 0x24) return null;
  const length = Number(buffer.toString('latin1', at + 1, end));
  const next = end + 2 + length + 2;
  return next > buffer.length ? null : [buffer.subarray(end + 2, end + 2 + length), next];
}

redis.on('data', (chunk: Buffer) => {
  pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
  let at = 0;
  for (;;) {
    // A reply: `*3\r\n` then three bulk strings (`message`, the channel, the payload), or the
    // subscription's confirmation (its third element an integer).
    const head = pending.indexOf('\r\n', at);
    if (head < 0 || pending[at] !== 0x2a) break;
    const kind = bulk(pending, head + 2);
    const from = kind && bulk(pending, kind[1]);
    if (from === null || kind === null) break;
    if (kind[0].toString() !== 'message') {
      const end = pending.indexOf('\r\n', from[1]);
      if (end < 0) break;
      at = end + 2;
      continue;
    }
    const payload = bulk(pending, from[1]);
    if (payload === null) break;
    const frame = Buffer.allocUnsafe(4 + payload[0].length);
    frame.writeUInt32BE(payload[0].length, 0);
    payload[0].copy(frame, 4);
    for (const client of clients) client.write(frame);
    at = payload[1];
  }
  pending = pending.subarray(at);
});
