import type { DockerClient } from './docker-client.ts';
import { parseDockerMessage } from './docker-message.ts';
import { JsonLinesReader } from './json-lines-reader.ts';
import type { ResumePoint } from './resume-point.ts';

/**
 * Asks dockerd whether its event buffer still holds the newest event seen, with a bounded replay
 * (`since` = `until` = its time: the daemon sends what it buffered for that nanosecond and ends
 * the response). Called once the resumed stream is open, a yes proves that the stream's own
 * replay holds everything published since: nothing was missed. A no (the 256-event buffer
 * overflowed, or the daemon restarted and lost it) means events may be missing.
 */
export function replayHolds(
  client: DockerClient,
  filters: Readonly<Record<string, readonly string[]>>,
  since: string,
  resume: ResumePoint,
  signal: AbortSignal,
): Promise<boolean> {
  return client.events({ filters, since, until: since, signal }).then(
    (stream) =>
      new Promise<boolean>((resolve, reject) => {
        let found = false;
        let ended = false;
        const reader = new JsonLinesReader({
          value: (value, text) => {
            const message = parseDockerMessage(value, text);
            if (typeof message !== 'string' && resume.isNewestSeen(message)) found = true;
          },
          malformed: () => {},
        });
        stream.on('data', (chunk: Buffer) => reader.write(chunk));
        stream.once('end', () => {
          ended = true;
          reader.end();
          resolve(found);
        });
        stream.on('error', reject);
        stream.once('close', () => {
          if (!ended) reject(new Error('the replay check was cut off'));
        });
      }),
  );
}
