import { STATUS_CODES } from 'node:http';
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

/** One request to the API server, as an error names it. */
export interface KubeRequest {
  /** The RBAC verb: `get`, `list`, `watch`, `create`, `patch`, `delete`. */
  readonly verb: string;
  /** `pods` or `fswatchers`. */
  readonly resource: string;
  /** The API group: `""` for pods, `sys.bytetrade.io` for FSWatchers. */
  readonly group: string;
  /** The HTTP method and path (with its query), such as `GET /api/v1/namespaces/a/pods?...`. */
  readonly method: string;
  readonly path: string;
  /** The program whose ServiceAccount makes it (`proxy`, `daemon`), when known: named in a 403's advice. */
  readonly program?: string | undefined;
}

/**
 * A call to the Kubernetes API server failed (after its retries, if any).
 * The message names the request, the HTTP status and the server's own
 * message; a 403 names the permission to grant, and where.
 */
export class KubernetesApiError extends JfsServerError {
  override readonly name = 'KubernetesApiError';
  override readonly code = 'BATCHWATCH_K8S_API';
  /** What was being done, such as `create FSWatcher os-system/web-0-app-w`. */
  readonly operation: string;
  /** The HTTP status, when the server answered. */
  readonly status: number | undefined;
  /** The request, when known. */
  readonly request: KubeRequest | undefined;

  constructor(operation: string, cause: unknown, request?: KubeRequest) {
    const inner = cause instanceof KubernetesApiError ? cause : undefined;
    const status = statusOf(cause);
    const req = request ?? inner?.request;
    const what = inner?.detail ?? detailOf(status, cause, req);
    super(`Kubernetes API: ${operation} failed: ${what}`, { cause });
    this.operation = operation;
    this.status = status;
    this.request = req;
    this.#detail = what;
  }

  readonly #detail: string;

  /** The message without the operation: request, status, the server's words, advice. */
  get detail(): string {
    return this.#detail;
  }

  /** True for failures worth retrying: no answer, 429 Too Many Requests, or a 5xx. */
  get transient(): boolean {
    return isTransient(this.status);
  }
}

/** True for an HTTP status worth retrying (or none: the server did not answer). */
export function isTransient(status: number | undefined): boolean {
  return status === undefined || status === 429 || status >= 500;
}

function detailOf(
  status: number | undefined,
  cause: unknown,
  request: KubeRequest | undefined,
): string {
  const call = request === undefined ? '' : `${request.method} ${request.path} `;
  const words = messageOf(cause);
  if (status === undefined) return `${call}got no answer (${words})`;
  const text = `${call}answered HTTP ${status}${STATUS_CODES[status] === undefined ? '' : ` ${STATUS_CODES[status]}`}: ${words}`;
  if (status !== 403 || request === undefined) return text;
  // The daemon reads pods only with --node, through a ClusterRole of its own file.
  const role =
    request.program === undefined
      ? "the Role or ClusterRole bound to this program's ServiceAccount"
      : request.program === 'daemon' && request.resource === 'pods'
        ? 'the ClusterRole batchwatch-fsnotify-daemon-node (deploy/kubernetes/rbac-daemon-node.yaml), bound to its ServiceAccount'
        : `the ClusterRole batchwatch-fsnotify-${request.program} (deploy/kubernetes/rbac.yaml), bound to its ServiceAccount`;
  return `${text}. Grant verb "${request.verb}" on resource "${request.resource}" of API group "${request.group}" in ${role}.`;
}

/** The HTTP status of a client-node error (`ApiException.code`, a watch error's `statusCode`, ours). */
export function statusOf(err: unknown): number | undefined {
  if (err === null || typeof err !== 'object') return undefined;
  if (err instanceof KubernetesApiError) return err.status;
  const record = err as { code?: unknown; statusCode?: unknown };
  if (typeof record.code === 'number') return record.code;
  if (typeof record.statusCode === 'number') return record.statusCode;
  return undefined;
}

/** The server's message (a Status's `message`), else the error's own first line and its cause's. */
function messageOf(err: unknown): string {
  const body = (err as { body?: unknown } | null)?.body;
  const status =
    typeof body === 'string'
      ? (() => {
          try {
            return JSON.parse(body) as unknown;
          } catch {
            return undefined;
          }
        })()
      : body;
  if (
    status !== null &&
    typeof status === 'object' &&
    typeof (status as { message?: unknown }).message === 'string'
  ) {
    return bounded((status as { message: string }).message);
  }
  if (!(err instanceof Error)) return bounded(String(err));
  const first = err.message.split('\n')[0] ?? '';
  // undici says "fetch failed" and keeps the reason (ECONNREFUSED...) in its cause.
  const cause = err.cause instanceof Error ? err.cause.message : undefined;
  if (first.startsWith('HTTP-Code:') && typeof body === 'string' && body !== '')
    return bounded(body);
  return bounded(cause === undefined || first.includes(cause) ? first : `${first}: ${cause}`);
}

/** The API server's words are untrusted: one line, at most 500 characters. */
function bounded(text: string): string {
  const line = text.replace(/\p{Cc}+/gu, ' ').trim();
  return line.length > 500 ? `${line.slice(0, 500)}...` : line;
}
