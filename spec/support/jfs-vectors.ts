// Loads spec/fixtures/jfs-vectors.json, the frames every JFS implementation must encode and decode
// byte for byte (the Go jfsnotify encoder's output, copied into the repository: a clone needs
// nothing beside it).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** One frame of the shared vectors. */
export interface FrameVector {
  readonly name: string;
  readonly description: string;
  readonly hex: string;
  /** Total bytes of the frame, length prefix included. */
  readonly length: number;
  readonly decoded: Readonly<Record<string, unknown>> & { readonly error?: string };
}

/** The whole vectors file. */
export interface Vectors {
  /** Where the bytes come from. */
  readonly source: string;
  readonly frames: readonly FrameVector[];
  readonly opStrings: readonly (readonly [number, string])[];
  readonly redisExample: { readonly channel: string; readonly message: string };
}

const vectorsUrl = new URL('../fixtures/jfs-vectors.json', import.meta.url);

/** Reads the vectors, or fails with a message that says where they should be. */
export function loadVectors(): Vectors {
  let text: string;
  try {
    text = readFileSync(vectorsUrl, 'utf8');
  } catch (cause) {
    throw new Error(`The JFS test vectors are missing: expected ${fileURLToPath(vectorsUrl)}.`, {
      cause,
    });
  }
  const vectors = JSON.parse(text) as Vectors;
  if (!Array.isArray(vectors.frames) || vectors.frames.length === 0) {
    throw new Error(`The JFS test vectors at ${fileURLToPath(vectorsUrl)} hold no frames.`);
  }
  return vectors;
}
