import { describeCause as causeText } from '../../describe.ts';
import { BatchwatchError } from '../../errors.ts';

/** Base class of what the Docker source reports. */
export class DockerSourceError extends BatchwatchError {
  override readonly name: string = 'DockerSourceError';
  override readonly code: string = 'BATCHWATCH_DOCKER';
}

/** What the Docker source was doing when its connection failed. */
export type DockerStreamPhase = 'connect' | 'stream' | 'list';

/**
 * A warning: the Docker event stream could not be opened (`connect`), ended or broke (`stream`),
 * or the initial container list failed (`list`). The source reconnects after `delayMs` and resumes
 * where it stopped.
 */
export class DockerStreamError extends DockerSourceError {
  override readonly name = 'DockerStreamError';
  override readonly code = 'BATCHWATCH_DOCKER_STREAM';
  readonly phase: DockerStreamPhase;
  /** The reconnect attempt that follows, from 1. */
  readonly attempt: number;
  /** The wait before it, in ms. */
  readonly delayMs: number;

  constructor(phase: DockerStreamPhase, attempt: number, delayMs: number, cause: unknown) {
    const what = {
      connect: 'could not connect',
      stream: 'event stream broke',
      list: 'container list failed',
    };
    super(
      `Docker ${what[phase]}: ${causeText(cause)}. Reconnecting in ${Math.round(delayMs)} ms ` +
        `(attempt ${attempt}); check that dockerd runs and DOCKER_HOST if it persists.`,
      { cause },
    );
    this.phase = phase;
    this.attempt = attempt;
    this.delayMs = delayMs;
  }
}

/** A warning: a line of the Docker event stream was not a usable event; it was skipped. */
export class DockerMalformedEventError extends DockerSourceError {
  override readonly name = 'DockerMalformedEventError';
  override readonly code = 'BATCHWATCH_DOCKER_MALFORMED_EVENT';
  /** The line, cut to 200 characters. */
  readonly line: string;
  /** What is wrong with it. */
  readonly reason: string;

  constructor(line: string, reason: string, cause?: unknown) {
    const cut = line.length > 200 ? `${line.slice(0, 200)}...` : line;
    super(
      `Skipped a malformed Docker event (${reason}): ${JSON.stringify(cut)}. ` +
        'Check that DOCKER_HOST points at a Docker daemon, not a proxy that rewrites /events.',
      { cause },
    );
    this.line = cut;
    this.reason = reason;
  }
}

/** Fatal: dockerd refused the events request with a client error (a bad filter, a 403 from a socket proxy). */
export class DockerRequestRefusedError extends DockerSourceError {
  override readonly name = 'DockerRequestRefusedError';
  override readonly code = 'BATCHWATCH_DOCKER_REFUSED';
  /** The HTTP status, 400 to 499. */
  readonly statusCode: number;

  constructor(statusCode: number, cause: unknown) {
    super(
      `dockerd refused the events request (HTTP ${statusCode}): ${causeText(cause)}. Fix the ` +
        'labels/containers/events filters, or allow /events (and /containers/json) in the socket proxy.',
      { cause },
    );
    this.statusCode = statusCode;
  }
}

/** Fatal: the `retry` policy gave up (returned null) after `attempts` failed reconnects. */
export class DockerReconnectGaveUpError extends DockerSourceError {
  override readonly name = 'DockerReconnectGaveUpError';
  override readonly code = 'BATCHWATCH_DOCKER_GAVE_UP';
  /** Reconnects tried before giving up. */
  readonly attempts: number;

  constructor(attempts: number, cause: unknown) {
    super(
      `Gave up on dockerd after ${attempts} reconnect attempt(s): ${causeText(cause)}. Start ` +
        'dockerd, check DOCKER_HOST, or use a retry policy that keeps trying.',
      { cause },
    );
    this.attempts = attempts;
  }
}
