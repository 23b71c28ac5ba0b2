// Loads shared/jfs-vectors/vectors.json, the frames every JFS implementation must encode and decode
// byte for byte. CI clones the repository with shared/ beside it, as in development.
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
  readonly frames: readonly FrameVector[];
  readonly opStrings: readonly (readonly [number, string])[];
  readonly redisExample: { readonly channel: string; readonly message: string };
}

// Resolved from this file: spec/unit/sources/jfs/ -> the folder that holds the repository.
const vectorsUrl = new URL('../../../../../shared/jfs-vectors/vectors.json', import.meta.url);

/** Reads the vectors, or fails with a message that says where they should be. */
export function loadVectors(): Vectors {
  let text: string;
  try {
    text = readFileSync(vectorsUrl, 'utf8');
  } catch (cause) {
    throw new Error(
      `The JFS test vectors are missing: expected ${fileURLToPath(vectorsUrl)} ` +
        '(the shared/ folder must sit beside the repository checkout, as in CI).',
      { cause },
    );
  }
  const vectors = JSON.parse(text) as Vectors;
  if (!Array.isArray(vectors.frames) || vectors.frames.length === 0) {
    throw new Error(`The JFS test vectors at ${fileURLToPath(vectorsUrl)} hold no frames.`);
  }
  return vectors;
}
