import { JfsServerError } from '../errors.ts';

/**
 * A channel id whose FSWatcher resource name `<pod>-<container>-<watcher>`
 * is not a valid Kubernetes object name (a lowercase RFC 1123 subdomain of at
 * most 253 characters). The watch itself still works; only the resource that
 * Go daemons follow is not written.
 */
export class FsWatcherNameError extends JfsServerError {
  override readonly name = 'FsWatcherNameError';
  override readonly code = 'BATCHWATCH_K8S_BAD_FSWATCHER_NAME';
  readonly channelId: string;
  readonly resourceName: string;

  constructor(channelId: string, resourceName: string, remote: string) {
    super(
      `Channel ${JSON.stringify(channelId)} of client ${remote}: ${JSON.stringify(resourceName)} is not a valid FSWatcher name ` +
        '(lowercase letters, digits, "-" and ".", starting and ending with a letter or digit, at most 253): ' +
        'no FSWatcher resource is written for it. Rename the watcher.',
    );
    this.channelId = channelId;
    this.resourceName = resourceName;
  }
}

/** A call to the Kubernetes API server failed (after its retries, if any). */
export class KubernetesApiError extends JfsServerError {
  override readonly name = 'KubernetesApiError';
  override readonly code = 'BATCHWATCH_K8S_API';
  /** What was being done, such as `create FSWatcher os-system/web-0-app-w`. */
  readonly operation: string;
  /** The HTTP status, when the server answered. */
  readonly status: number | undefined;

  constructor(operation: string, cause: unknown) {
    const status = statusOf(cause);
    super(
      `Kubernetes API: ${operation} failed${status === undefined ? '' : ` (HTTP ${status})`}: ${messageOf(cause)}`,
      { cause },
    );
    this.operation = operation;
    this.status = status;
  }
}

/** The HTTP status of a client-node error (`ApiException.code`, or a watch error's `statusCode`). */
export function statusOf(err: unknown): number | undefined {
  if (err === null || typeof err !== 'object') return undefined;
  const record = err as { code?: unknown; statusCode?: unknown };
  if (typeof record.code === 'number') return record.code;
  if (typeof record.statusCode === 'number') return record.statusCode;
  return undefined;
}

function messageOf(err: unknown): string {
  const body = (err as { body?: unknown } | null)?.body;
  if (typeof body === 'string') {
    try {
      const status = JSON.parse(body) as { message?: unknown };
      if (typeof status.message === 'string') return status.message;
    } catch {
      // not a Status object: the error's own message
    }
  }
  if (
    body !== null &&
    typeof body === 'object' &&
    typeof (body as { message?: unknown }).message === 'string'
  ) {
    return (body as { message: string }).message;
  }
  return err instanceof Error ? (err.message.split('\n')[0] ?? '') : String(err);
}
