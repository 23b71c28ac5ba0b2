// A minimal HTTP client for the metrics specs: one request per connection (no agent pool that
// would outlive the test), the whole response as text.
import { type IncomingHttpHeaders, request } from 'node:http';

export interface HttpResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** Sends `method url` and resolves with the response; rejects on a connection error. */
export function httpRequest(url: string, method = 'GET'): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

/** Open TCP servers and sockets of this process, to prove that a close left none behind. */
export function openTcpHandles(): number {
  return process
    .getActiveResourcesInfo()
    .filter((kind) => kind === 'TCPServerWrap' || kind === 'TCPSocketWrap').length;
}
