// The deployed Go client's frame reader, reproduced exactly: fs-lib pins goframe v1.0.0, whose
// lengthFieldBasedFrameConn.ReadFrame reads the 4-byte length with ONE bufio.Reader.Read (4096-byte
// buffer; it returns short when the buffer holds 1-3 bytes of the prefix, and the missing bytes stay
// 0), then io.ReadFull for the body; fs-lib's UnpackMsg/UnpackEvent decode any number of 514-byte
// records. Over a Node socket: conn.Read(p) returns what the socket has received so far, up to len(p),
// and reads more from the kernel only when that is used up (the socket stays paused otherwise, so the
// kernel buffer fills while the reader lags, as it does for a Go reader).
import type { Socket } from 'node:net';

const BUFIO_SIZE = 4096;
const RECORD = 514;
const EVENT = 6;

/** What the reader has decoded so far. */
export interface GoframeReaderState {
  events: number;
  /** Frames whose payload fs-lib logs as invalid (short, wrong type, fewer than 514 bytes). */
  invalid: number;
  /** Length prefixes read short by the one `Read` (the reader is desynchronised from then on). */
  shortPrefixes: number;
  stopped: boolean;
}

/** A Go `net.Conn` over a paused Node socket: `read(n)` returns up to n bytes of what has arrived. */
class GoConn {
  readonly #socket: Socket;
  #chunks: Buffer[] = [];
  #waiting: (() => void) | null = null;
  #ended = false;

  constructor(socket: Socket) {
    this.#socket = socket;
    socket.pause();
    socket.on('data', (chunk: Buffer) => {
      this.#chunks.push(chunk);
      socket.pause();
      this.#wake();
    });
    socket.on('close', () => {
      this.#ended = true;
      this.#wake();
    });
  }

  async read(n: number): Promise<Buffer | null> {
    while (this.#chunks.length === 0) {
      if (this.#ended) return null;
      await new Promise<void>((resolve) => {
        this.#waiting = resolve;
        this.#socket.resume();
      });
    }
    const head = this.#chunks[0] as Buffer;
    if (head.length <= n) {
      this.#chunks.shift();
      return head;
    }
    this.#chunks[0] = head.subarray(n);
    return head.subarray(0, n);
  }

  #wake(): void {
    const waiting = this.#waiting;
    this.#waiting = null;
    waiting?.();
  }
}

/** Go's bufio.Reader.Read, byte for byte in behaviour. */
class BufioReader {
  readonly #conn: GoConn;
  #buf: Buffer = Buffer.alloc(0);

  constructor(conn: GoConn) {
    this.#conn = conn;
  }

  /** Copies up to `p.length` bytes into p; null at EOF. */
  async read(p: Buffer): Promise<number | null> {
    if (this.#buf.length === 0) {
      if (p.length >= BUFIO_SIZE) {
        // Large read, empty buffer: read directly into p.
        const direct = await this.#conn.read(p.length);
        if (direct === null) return null;
        direct.copy(p);
        return direct.length;
      }
      const filled = await this.#conn.read(BUFIO_SIZE);
      if (filled === null) return null;
      this.#buf = filled;
    }
    const n = Math.min(p.length, this.#buf.length);
    this.#buf.copy(p, 0, 0, n);
    this.#buf = this.#buf.subarray(n);
    return n;
  }
}

/**
 * Reads frames from `socket` as the Go client does, counting the events it would deliver; `pace`
 * runs after each frame (to lag behind the server). Resolves at EOF.
 */
export async function goframeRead(
  socket: Socket,
  state: GoframeReaderState,
  pace: () => Promise<void>,
): Promise<void> {
  const reader = new BufioReader(new GoConn(socket));
  try {
    for (;;) {
      // getUnadjustedFrameLength: ONE Read into a fresh 4-byte buffer; n is ignored.
      const lenBuf = Buffer.alloc(4);
      const n = await reader.read(lenBuf);
      if (n === null) return;
      if (n < 4) state.shortPrefixes++;
      const length = lenBuf.readUInt32BE(0);
      // Go would allocate this and wait for it for ever: a reader that stopped.
      if (length > 64 * 1024 * 1024) return;
      // ReadN: io.ReadFull.
      const msg = Buffer.alloc(length);
      for (let got = 0; got < length; ) {
        const m = await reader.read(msg.subarray(got));
        if (m === null) return;
        got += m;
      }
      // InitialBytesToStrip 4 leaves the payload; UnpackMsg, then UnpackEvent.
      if (msg.length < 4 || msg.readUInt32BE(0) !== EVENT || msg.length - 4 < RECORD) {
        state.invalid++;
      } else {
        state.events += Math.floor((msg.length - 4) / RECORD);
      }
      await pace();
    }
  } finally {
    state.stopped = true;
  }
}
