// A small Kubernetes API server for the tests: plain node:http on a free loopback port, serving only
// what batchwatch/kubernetes calls (pods get/list/watch; fswatchers get/list/watch/create/update/
// patch/delete) with the API server's resourceVersion rules: one counter for every write, 409 on a
// stale resourceVersion or an existing name, 410 Gone (as an ERROR watch event, as a real API server
// sends it) for a watch from a version older than its window of recent events (or compacted), watch
// events as newline-delimited JSON, and what a real server showed that this project depends on:
// 429 while its storage is (re)initializing, quiet watches that end at `timeoutSeconds` (with a
// BOOKMARK first when asked for), the CRD's structural defaulting, DELETE answering a Status (with
// preconditions), hostPath.type defaulted to "", RBAC's 403 with the real message.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadYaml } from '@kubernetes/client-node';

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
  bookmarks: boolean;
  timer: NodeJS.Timeout | undefined;
}

/** An OpenAPI v3 schema, as far as structural defaulting reads it. */
export interface Schema {
  readonly type?: string;
  readonly default?: unknown;
  /** client-node's typed model spells `default` so. */
  readonly _default?: unknown;
  readonly properties?: Readonly<Record<string, Schema>>;
  readonly items?: Schema;
}

/** Options of {@link KubeApiServer.start}. */
export interface KubeApiServerOptions {
  /** Watch events kept (the watch cache); a watch from a version before them is 410 Gone. Default 100. */
  readonly window?: number;
  /**
   * The FSWatcher schema whose defaults apply on writes, as a real API server applies a CRD's
   * (structural defaulting). Default: the CRD of deploy/kubernetes; `null`: no defaults.
   */
  readonly schema?: Schema | null;
  /** The service account named in 403 messages. */
  readonly user?: string;
}

/** The FSWatcher CRD of deploy/kubernetes, as installed. */
export function deployedFsWatcherSchema(): Schema {
  const crd = loadYaml<{ spec: { versions: { schema: { openAPIV3Schema: Schema } }[] } }>(
    readFileSync(new URL('../../deploy/kubernetes/fswatcher-crd.yaml', import.meta.url), 'utf8'),
  );
  return (crd.spec.versions[0] as { schema: { openAPIV3Schema: Schema } }).schema.openAPIV3Schema;
}

/** RBAC verbs, as the API server names the request. */
export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete';

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
  readonly #window: number;
  readonly #schema: Schema | null;
  readonly #user: string;
  readonly #denied = new Set<string>();
  #rv = 1000;
  /** The oldest version a watch may start from: older ones are answered 410 Gone. */
  #oldest = 0;
  #partitioned = false;
  #initializing = false;
  #failing = { count: 0, status: 503 };

  private constructor(options: KubeApiServerOptions) {
    this.#window = options.window ?? 100;
    this.#schema = options.schema === undefined ? deployedFsWatcherSchema() : options.schema;
    this.#user = options.user ?? 'system:serviceaccount:os-platform:batchwatch-fsnotify-proxy';
  }

  /** Starts on 127.0.0.1, a free port. */
  static async start(options: KubeApiServerOptions = {}): Promise<KubeApiServer> {
    const api = new KubeApiServer(options);
    await new Promise<void>((resolve) => api.#server.listen(0, '127.0.0.1', resolve));
    return api;
  }

  /** The current resourceVersion (of the latest write). */
  get resourceVersion(): string {
    return String(this.#rv);
  }

  /**
   * While on, every request is answered 429 "storage is (re)initializing" with Retry-After: 1, as
   * a real API server answers the first requests after it starts (its watch cache is not ready).
   */
  setInitializing(on: boolean): void {
    this.#initializing = on;
  }

  /**
   * Answers the next `count` requests `status` (default 503, as an API server behind a load
   * balancer whose backend is restarting), with a Status.
   */
  failNext(count: number, status = 503): void {
    this.#failing = { count, status };
  }

  /** Answers `verb` on `resource` ("pods", "fswatchers") 403 Forbidden, as RBAC does without a rule. */
  deny(verb: Verb, resource: Kind): void {
    this.#denied.add(`${verb} ${resource}`);
  }

  /** Sends a BOOKMARK (the current version) on every watch that asked for bookmarks. */
  bookmark(): void {
    for (const watcher of this.#watchers) this.#bookmark(watcher);
  }

  /** `http://127.0.0.1:PORT`. */
  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  /** Open watch streams. */
  get watchCount(): number {
    return this.#watchers.size;
  }

  /**
   * Stores a pod (as the kubelet's API server would hold it); returns it with its metadata. A
   * hostPath volume without a type gets `type: ""`, as the API server's defaulting gives it.
   */
  putPod(pod: KubeObject): KubeObject {
    const key = keyOf('pods', pod.metadata.namespace, pod.metadata.name);
    const stored = structuredClone(pod);
    const volumes = (stored['spec'] as { volumes?: { hostPath?: { type?: string } }[] } | undefined)
      ?.volumes;
    for (const volume of volumes ?? []) {
      if (volume.hostPath !== undefined) volume.hostPath.type ??= '';
    }
    return this.#write('pods', this.#objects.has(key) ? 'MODIFIED' : 'ADDED', stored);
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
    this.#oldest = this.#rv;
    this.#events.length = 0;
  }

  /** Ends every open watch stream (as an API server does at its watch timeout). */
  endWatches(): void {
    for (const watcher of this.#watchers) {
      clearTimeout(watcher.timer);
      watcher.res.end();
    }
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
    if (kind === 'fswatchers' && this.#schema !== null) applyDefaults(stored, this.#schema);
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
    while (this.#events.length > this.#window)
      this.#oldest = (this.#events.shift() as WatchEvent).rv;
    for (const watcher of this.#watchers) this.#send(watcher, event);
  }

  #send(watcher: Watcher, event: WatchEvent): void {
    if (event.kind !== watcher.kind || !matches(event.object, watcher.namespace, watcher.fields))
      return;
    watcher.res.write(`${JSON.stringify({ type: event.type, object: event.object })}\n`);
  }

  #bookmark(watcher: Watcher): void {
    if (!watcher.bookmarks) return;
    const object = {
      kind: watcher.kind === 'pods' ? 'Pod' : 'FSWatcher',
      apiVersion: watcher.kind === 'pods' ? 'v1' : 'sys.bytetrade.io/v1alpha1',
      metadata: { resourceVersion: String(this.#rv) },
    };
    watcher.res.write(`${JSON.stringify({ type: 'BOOKMARK', object })}\n`);
  }

  #handle(req: IncomingMessage, res: ServerResponse): true {
    const url = new URL(req.url ?? '/', 'http://api');
    this.requests.push(`${req.method} ${url.pathname}${url.search}`);
    const route = parseRoute(url.pathname);
    if (route === undefined)
      return fail(res, 404, 'NotFound', `the server could not find the requested resource`);
    if (this.#failing.count > 0) {
      this.#failing.count--;
      const { status } = this.#failing;
      return fail(
        res,
        status,
        'ServiceUnavailable',
        'the server is currently unable to handle the request',
      );
    }
    if (this.#initializing) {
      res.setHeader('retry-after', '1');
      return fail(res, 429, 'TooManyRequests', 'storage is (re)initializing', {
        retryAfterSeconds: 1,
      });
    }
    const verb = verbOf(req.method ?? 'GET', route.name, url.searchParams);
    if (this.#denied.has(`${verb} ${route.kind}`)) {
      const group = route.kind === 'pods' ? '' : 'sys.bytetrade.io';
      const what = `${route.kind}${group === '' ? '' : `.${group}`}${route.name === undefined ? '' : ` "${route.name}"`}`;
      const where =
        route.namespace === undefined
          ? 'at the cluster scope'
          : `in the namespace "${route.namespace}"`;
      return fail(
        res,
        403,
        'Forbidden',
        `${what} is forbidden: User "${this.#user}" cannot ${verb} resource "${route.kind}" in API group "${group}" ${where}`,
        { ...(route.name === undefined ? {} : { name: route.name }), kind: route.kind },
      );
    }
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
      if (query.get('watch') === 'true') return this.#watch(kind, namespace, fields, query, res);
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
      case 'DELETE': {
        if (current === undefined) return notFound();
        // DeleteOptions: preconditions make the delete conditional on the version (or uid) seen.
        const options = (body === '' ? {} : JSON.parse(body)) as {
          preconditions?: { resourceVersion?: string; uid?: string };
        };
        const pre = options.preconditions ?? {};
        const seen = current.metadata.resourceVersion;
        if (pre.resourceVersion !== undefined && pre.resourceVersion !== seen) {
          return fail(
            res,
            409,
            'Conflict',
            `Operation cannot be fulfilled on fswatchers.sys.bytetrade.io "${name}": the ResourceVersion in the precondition (${pre.resourceVersion}) does not match the ResourceVersion in record (${seen}). The object might have been modified`,
            { name, group: 'sys.bytetrade.io', kind },
          );
        }
        if (pre.uid !== undefined && pre.uid !== current.metadata['uid']) {
          return fail(
            res,
            409,
            'Conflict',
            `Operation cannot be fulfilled on fswatchers.sys.bytetrade.io "${name}": the UID in the precondition (${pre.uid}) does not match the UID in record (${String(current.metadata['uid'])}). The object might have been replaced`,
            { name, group: 'sys.bytetrade.io', kind },
          );
        }
        const gone = this.#remove(kind, current);
        // A custom resource deleted at once is answered with a Status, not the object.
        return reply(res, 200, {
          kind: 'Status',
          apiVersion: 'v1',
          metadata: {},
          status: 'Success',
          details: { name, group: 'sys.bytetrade.io', kind, uid: gone.metadata['uid'] },
        });
      }
      default:
        return fail(res, 405, 'MethodNotAllowed', `${method} is not supported`);
    }
  }

  #watch(
    kind: Kind,
    namespace: string | undefined,
    fields: Map<string, string>,
    query: URLSearchParams,
    res: ServerResponse,
  ): true {
    if (this.#partitioned) return fail(res, 503, 'ServiceUnavailable', 'the server is partitioned');
    const from = query.get('resourceVersion');
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    const watcher: Watcher = {
      kind,
      namespace,
      fields,
      res,
      bookmarks: query.get('allowWatchBookmarks') === 'true',
      timer: undefined,
    };
    const since = from === null || from === '' || from === '0' ? undefined : Number(from);
    if (since !== undefined && since < this.#oldest) {
      // What a real API server does: a 200 stream holding one ERROR event with a 410 Status, then the end.
      const status = statusOf(
        410,
        'Expired',
        `too old resource version: ${since} (${this.#oldest + 1})`,
      );
      res.end(`${JSON.stringify({ type: 'ERROR', object: status })}\n`);
      return true;
    }
    this.#watchers.add(watcher);
    res.on('close', () => {
      clearTimeout(watcher.timer);
      this.#watchers.delete(watcher);
    });
    const timeout = Number(query.get('timeoutSeconds') ?? 'NaN');
    if (timeout > 0) {
      // A quiet watch sends nothing until its timeout: then a bookmark (if asked for) and the end.
      watcher.timer = setTimeout(() => {
        this.#bookmark(watcher);
        this.#watchers.delete(watcher);
        res.end();
      }, timeout * 1000);
    }
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

function verbOf(method: string, name: string | undefined, query: URLSearchParams): Verb {
  if (method === 'GET')
    return name !== undefined ? 'get' : query.get('watch') === 'true' ? 'watch' : 'list';
  return (
    ({ POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: 'delete' } as const)[
      method as 'POST'
    ] ?? 'get'
  );
}

/**
 * Structural defaulting as the API server applies a CRD's schema: a property with a default that
 * is absent gets it, then defaults apply inside every property present (also one just defaulted).
 * A default of an object whose parent is absent does not apply.
 */
export function applyDefaults(value: unknown, schema: Schema): void {
  if (value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    if (schema.items !== undefined) for (const item of value) applyDefaults(item, schema.items);
    return;
  }
  const record = value as Record<string, unknown>;
  for (const [key, property] of Object.entries(schema.properties ?? {})) {
    const fallback = property.default ?? property._default;
    if (!(key in record) && fallback !== undefined) record[key] = structuredClone(fallback);
    if (key in record) applyDefaults(record[key], property);
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
