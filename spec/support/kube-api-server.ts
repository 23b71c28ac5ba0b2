// A small Kubernetes API server for the tests: plain node:http on a free loopback port, serving only
// what batchwatch/kubernetes calls (pods get/list/watch; fswatchers get/list/watch/create/update/
// patch/delete) with the API server's resourceVersion rules: one counter for every write, 409 on a
// stale resourceVersion or an existing name, 410 Gone (as an ERROR watch event, as a real API server
// sends it) for a watch from a compacted version, watch events as newline-delimited JSON.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A stored object: any Kubernetes object with metadata. */
export type KubeObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string; resourceVersion?: string; [key: string]: unknown };
  [key: string]: unknown;
};
type Kind = 'pods' | 'fswatchers';
type WatchEvent = {
  rv: number;
  kind: Kind;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: KubeObject;
};
interface Watcher {
  kind: Kind;
  namespace: string | undefined;
  fields: Map<string, string>;
  res: ServerResponse;
}

const FSW = '/apis/sys.bytetrade.io/v1alpha1';
// DNS-1123 subdomain, as the API server checks object names.
const dnsSubdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** The test API server. Every request is recorded in `requests` (`METHOD path?query`). */
export class KubeApiServer {
  readonly requests: string[] = [];
  readonly #objects = new Map<string, KubeObject>();
  readonly #events: WatchEvent[] = [];
  readonly #watchers = new Set<Watcher>();
  readonly #server = createServer((req, res) => this.#handle(req, res));
  #rv = 1000;
  /** Watches from a version below this are answered 410 Gone. */
  #compactedBelow = 0;
  #partitioned = false;

  /** Starts on 127.0.0.1, a free port. */
  static async start(): Promise<KubeApiServer> {
    const api = new KubeApiServer();
    await new Promise<void>((resolve) => api.#server.listen(0, '127.0.0.1', resolve));
    return api;
  }

  /** `http://127.0.0.1:PORT`. */
  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  /** Open watch streams. */
  get watchCount(): number {
    return this.#watchers.size;
  }

  /** Stores a pod (as the kubelet's API server would hold it); returns it with its metadata. */
  putPod(pod: KubeObject): KubeObject {
    const key = keyOf('pods', pod.metadata.namespace, pod.metadata.name);
    return this.#write('pods', this.#objects.has(key) ? 'MODIFIED' : 'ADDED', pod);
  }

  /** Deletes a pod. */
  deletePod(namespace: string, name: string): void {
    const pod = this.#objects.get(keyOf('pods', namespace, name));
    if (pod !== undefined) this.#remove('pods', pod);
  }

  /** The stored FSWatcher, or undefined. */
  fsWatcher(namespace: string, name: string): KubeObject | undefined {
    return this.#objects.get(keyOf('fswatchers', namespace, name));
  }

  /** Every stored FSWatcher. */
  fsWatchers(): KubeObject[] {
    return [...this.#objects.entries()]
      .filter(([k]) => k.startsWith('fswatchers/'))
      .map(([, o]) => o);
  }

  /** Forgets the event history (etcd compaction): watches from an older version get 410 Gone. */
  compact(): void {
    this.#compactedBelow = this.#rv + 1;
    this.#events.length = 0;
  }

  /** Ends every open watch stream (as an API server does at its watch timeout). */
  endWatches(): void {
    for (const watcher of this.#watchers) watcher.res.end();
    this.#watchers.clear();
  }

  /** Ends every watch and answers new ones 503 until {@link heal}: changes made meanwhile reach no watcher. */
  partition(): void {
    this.#partitioned = true;
    this.endWatches();
  }

  heal(): void {
    this.#partitioned = false;
  }

  close(): Promise<void> {
    this.endWatches();
    this.#server.closeAllConnections();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  #write(kind: Kind, type: 'ADDED' | 'MODIFIED', object: KubeObject): KubeObject {
    const rv = ++this.#rv;
    const key = keyOf(kind, object.metadata.namespace, object.metadata.name);
    const old = this.#objects.get(key);
    const stored = structuredClone(object);
    stored.metadata = {
      ...stored.metadata,
      uid: old?.metadata['uid'] ?? randomUUID(),
      creationTimestamp:
        old?.metadata['creationTimestamp'] ?? new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      generation: ((old?.metadata['generation'] as number | undefined) ?? 0) + 1,
      resourceVersion: String(rv),
    };
    this.#objects.set(key, stored);
    this.#publish({ rv, kind, type, object: stored });
    return stored;
  }

  #remove(kind: Kind, object: KubeObject): KubeObject {
    const rv = ++this.#rv;
    this.#objects.delete(keyOf(kind, object.metadata.namespace, object.metadata.name));
    const gone = { ...object, metadata: { ...object.metadata, resourceVersion: String(rv) } };
    this.#publish({ rv, kind, type: 'DELETED', object: gone });
    return gone;
  }

  #publish(event: WatchEvent): void {
    this.#events.push(event);
    for (const watcher of this.#watchers) this.#send(watcher, event);
  }

  #send(watcher: Watcher, event: WatchEvent): void {
    if (event.kind !== watcher.kind || !matches(event.object, watcher.namespace, watcher.fields))
      return;
    watcher.res.write(`${JSON.stringify({ type: event.type, object: event.object })}\n`);
  }

  #handle(req: IncomingMessage, res: ServerResponse): true {
    const url = new URL(req.url ?? '/', 'http://api');
    this.requests.push(`${req.method} ${url.pathname}${url.search}`);
    const route = parseRoute(url.pathname);
    if (route === undefined)
      return fail(res, 404, 'NotFound', `the server could not find the requested resource`);
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
    });
    req.on('end', () => {
      try {
        this.#route(
          req.method ?? 'GET',
          route,
          url.searchParams,
          body,
          req.headers['content-type'],
          res,
        );
      } catch (err) {
        fail(res, 400, 'BadRequest', (err as Error).message);
      }
    });
    return true;
  }

  #route(
    method: string,
    {
      kind,
      namespace,
      name,
    }: { kind: Kind; namespace: string | undefined; name: string | undefined },
    query: URLSearchParams,
    body: string,
    contentType: string | undefined,
    res: ServerResponse,
  ): true {
    const key = name === undefined ? '' : keyOf(kind, namespace as string, name);
    const current = this.#objects.get(key);
    const notFound = (): true =>
      fail(res, 404, 'NotFound', `${kind} "${name}" not found`, { name, kind });
    if (name === undefined && method === 'GET') {
      const fields = parseFieldSelector(query.get('fieldSelector'));
      if (query.get('watch') === 'true')
        return this.#watch(kind, namespace, fields, query.get('resourceVersion'), res);
      const items = [...this.#objects.entries()]
        .filter(([k, o]) => k.startsWith(`${kind}/`) && matches(o, namespace, fields))
        .map(([, o]) => o);
      const listKind = kind === 'pods' ? 'PodList' : 'FSWatcherList';
      const apiVersion = kind === 'pods' ? 'v1' : 'sys.bytetrade.io/v1alpha1';
      return reply(res, 200, {
        apiVersion,
        kind: listKind,
        metadata: { resourceVersion: String(this.#rv) },
        items,
      });
    }
    if (kind === 'pods' && method !== 'GET')
      return fail(res, 405, 'MethodNotAllowed', 'pods are read-only here');
    switch (method) {
      case 'GET':
        return current === undefined ? notFound() : reply(res, 200, current);
      case 'POST': {
        const object = JSON.parse(body) as KubeObject;
        const objectName = object.metadata?.name ?? '';
        if (!dnsSubdomain.test(objectName) || objectName.length > 253) {
          return fail(
            res,
            422,
            'Invalid',
            `FSWatcher.sys.bytetrade.io "${objectName}" is invalid: metadata.name: Invalid value: "${objectName}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character`,
          );
        }
        if (this.#objects.has(keyOf(kind, namespace as string, objectName))) {
          return fail(
            res,
            409,
            'AlreadyExists',
            `fswatchers.sys.bytetrade.io "${objectName}" already exists`,
            { name: objectName },
          );
        }
        object.metadata.namespace = namespace as string;
        return reply(res, 201, this.#write(kind, 'ADDED', object));
      }
      case 'PUT': {
        if (current === undefined) return notFound();
        const object = JSON.parse(body) as KubeObject;
        const rv = object.metadata?.resourceVersion;
        if (rv !== undefined && rv !== current.metadata.resourceVersion) {
          return fail(
            res,
            409,
            'Conflict',
            `Operation cannot be fulfilled on fswatchers.sys.bytetrade.io "${name}": the object has been modified; please apply your changes to the latest version and try again`,
            { name },
          );
        }
        object.metadata = {
          ...object.metadata,
          name: name as string,
          namespace: namespace as string,
        };
        return reply(res, 200, this.#write(kind, 'MODIFIED', object));
      }
      case 'PATCH': {
        if (current === undefined) return notFound();
        if (contentType !== 'application/merge-patch+json') {
          return fail(
            res,
            415,
            'UnsupportedMediaType',
            `the body of the request was in an unknown format - accepted media types include: application/merge-patch+json (got ${contentType})`,
          );
        }
        return reply(
          res,
          200,
          this.#write(kind, 'MODIFIED', mergePatch(current, JSON.parse(body)) as KubeObject),
        );
      }
      case 'DELETE':
        if (current === undefined) return notFound();
        return reply(res, 200, this.#remove(kind, current));
      default:
        return fail(res, 405, 'MethodNotAllowed', `${method} is not supported`);
    }
  }

  #watch(
    kind: Kind,
    namespace: string | undefined,
    fields: Map<string, string>,
    from: string | null,
    res: ServerResponse,
  ): true {
    if (this.#partitioned) return fail(res, 503, 'ServiceUnavailable', 'the server is partitioned');
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    const watcher: Watcher = { kind, namespace, fields, res };
    const since = from === null || from === '' || from === '0' ? undefined : Number(from);
    if (since !== undefined && since < this.#compactedBelow - 1) {
      // What a real API server does: a 200 stream holding one ERROR event with a 410 Status, then the end.
      const status = statusOf(
        410,
        'Expired',
        `too old resource version: ${since} (${this.#compactedBelow - 1})`,
      );
      res.end(`${JSON.stringify({ type: 'ERROR', object: status })}\n`);
      return true;
    }
    this.#watchers.add(watcher);
    res.on('close', () => this.#watchers.delete(watcher));
    if (since === undefined) {
      // No version: the current state as ADDED events, then changes.
      for (const [k, object] of this.#objects) {
        if (k.startsWith(`${kind}/`)) this.#send(watcher, { rv: 0, kind, type: 'ADDED', object });
      }
    } else {
      for (const event of this.#events) if (event.rv > since) this.#send(watcher, event);
    }
    res.flushHeaders();
    return true;
  }
}

function keyOf(kind: Kind, namespace: string, name: string): string {
  return `${kind}/${namespace}/${name}`;
}

function parseRoute(
  path: string,
): { kind: Kind; namespace: string | undefined; name: string | undefined } | undefined {
  const parts =
    /^(?:\/api\/v1|(\/apis\/sys\.bytetrade\.io\/v1alpha1))(?:\/namespaces\/([^/]+))?\/(pods|fswatchers)(?:\/([^/]+))?$/.exec(
      path,
    );
  if (parts === null) return undefined;
  const kind = parts[3] as Kind;
  if ((kind === 'fswatchers') !== (parts[1] === FSW)) return undefined;
  if (parts[4] !== undefined && parts[2] === undefined) return undefined;
  return { kind, namespace: parts[2], name: parts[4] };
}

function parseFieldSelector(text: string | null): Map<string, string> {
  const fields = new Map<string, string>();
  for (const term of (text ?? '').split(',').filter(Boolean)) {
    const [field, value] = term.split('=') as [string, string | undefined];
    if (
      !['metadata.name', 'metadata.namespace', 'spec.nodeName'].includes(field) ||
      value === undefined
    ) {
      throw new Error(
        `"${term}" is not a known field selector: only metadata.name, metadata.namespace and spec.nodeName (=) are supported`,
      );
    }
    fields.set(field, value);
  }
  return fields;
}

function matches(
  object: KubeObject,
  namespace: string | undefined,
  fields: Map<string, string>,
): boolean {
  if (namespace !== undefined && object.metadata.namespace !== namespace) return false;
  for (const [field, value] of fields) {
    const actual =
      field === 'spec.nodeName'
        ? (object['spec'] as { nodeName?: string } | undefined)?.nodeName
        : object.metadata[field.slice('metadata.'.length)];
    if ((actual ?? '') !== value) return false;
  }
  return true;
}

/** RFC 7386 JSON merge patch. */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> =
    target !== null && typeof target === 'object' && !Array.isArray(target)
      ? { ...(target as Record<string, unknown>) }
      : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = mergePatch(out[key], value);
  }
  return out;
}

function statusOf(
  code: number,
  reason: string,
  message: string,
  details?: Record<string, unknown>,
): Record<string, unknown> {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    ...(details === undefined ? {} : { details }),
    code,
  };
}

function fail(
  res: ServerResponse,
  code: number,
  reason: string,
  message: string,
  details?: Record<string, unknown>,
): true {
  return reply(res, code, statusOf(code, reason, message, details));
}

function reply(res: ServerResponse, code: number, body: unknown): true {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
  return true;
}
