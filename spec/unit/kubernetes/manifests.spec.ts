import { readFileSync } from 'node:fs';
import { loadAllYaml } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';

// biome-ignore lint/suspicious/noExplicitAny: parsed YAML documents, read field by field
type Doc = Record<string, any>;
const load = (file: string): Doc[] =>
  loadAllYaml(
    readFileSync(new URL(`../../../deploy/kubernetes/${file}`, import.meta.url), 'utf8'),
  ) as Doc[];
const find = (docs: Doc[], kind: string, name: string): Doc => {
  const doc = docs.find((d) => d['kind'] === kind && d['metadata']?.['name'] === name);
  if (doc === undefined) throw new Error(`no ${kind} ${name}`);
  return doc;
};

const podSpec = (file: string, kind: string): Doc => {
  const doc = load(file).find((d) => d['kind'] === kind);
  if (doc === undefined) throw new Error(`no ${kind} in ${file}`);
  return doc['spec']['template']['spec'];
};

describe('deploy/kubernetes', () => {
  it('defines the FSWatcher CRD with the schema of fs-lib (names, scope, version, fields, default) and columns that show the state', () => {
    const crd = find(
      load('fswatcher-crd.yaml'),
      'CustomResourceDefinition',
      'fswatchers.sys.bytetrade.io',
    );
    expect(crd['spec']['group']).toBe('sys.bytetrade.io');
    expect(crd['spec']['scope']).toBe('Namespaced');
    expect(crd['spec']['names']).toEqual({
      categories: ['all'],
      kind: 'FSWatcher',
      listKind: 'FSWatcherList',
      plural: 'fswatchers',
      shortNames: ['fsw'],
      singular: 'fswatcher',
    });
    const [version] = crd['spec']['versions'];
    expect(version).toMatchObject({
      name: 'v1alpha1',
      served: true,
      storage: true,
      subresources: {},
    });
    // `kubectl get fsw`: who watches and the state the proxy writes; the paths with -o wide.
    expect(version['additionalPrinterColumns']).toEqual([
      { jsonPath: '.spec.pod', name: 'Pod', type: 'string' },
      { jsonPath: '.spec.container', name: 'Container', type: 'string' },
      { jsonPath: '.status.state', name: 'State', type: 'string' },
      { jsonPath: '.metadata.creationTimestamp', name: 'Age', type: 'date' },
      { jsonPath: '.spec.paths', name: 'Paths', type: 'string', priority: 1 },
    ]);
    const schema = version['schema']['openAPIV3Schema'];
    expect(Object.keys(schema['properties']).sort()).toEqual([
      'apiVersion',
      'kind',
      'metadata',
      'spec',
      'status',
    ]);
    const spec = schema['properties']['spec'];
    expect(spec['required']).toEqual(['pod', 'paths']);
    expect(Object.keys(spec['properties']).sort()).toEqual([
      'container',
      'description',
      'paths',
      'pod',
    ]);
    expect(spec['properties']['paths']).toMatchObject({ type: 'array', items: { type: 'string' } });
    const status = schema['properties']['status'];
    expect(status['required']).toEqual(['state']);
    const state = status['properties']['state'];
    // client-node's typed model (V1JSONSchemaProps) holds "default" as _default.
    expect([state['type'], state['_default'] ?? state['default']]).toEqual(['string', 'active']);
    expect(status['properties']['statusTime']).toMatchObject({
      format: 'date-time',
      type: 'string',
    });
    expect(status['properties']['updateTime']).toMatchObject({
      format: 'date-time',
      type: 'string',
    });
  });

  it('serves the proxy as fsnotify-svc:5079, selecting the proxy pods, with the Go Redis settings', () => {
    const docs = load('proxy.yaml');
    const service = find(docs, 'Service', 'fsnotify-svc');
    const deployment = find(docs, 'Deployment', 'batchwatch-fsnotify-proxy');
    const template = deployment['spec']['template'];
    expect(service['spec']['ports']).toEqual([{ protocol: 'TCP', port: 5079, targetPort: 5079 }]);
    expect(template['metadata']['labels']).toMatchObject(service['spec']['selector']);
    expect(template['metadata']['labels']).toMatchObject(
      deployment['spec']['selector']['matchLabels'],
    );
    const [container] = template['spec']['containers'];
    expect(container['args']).toEqual(['proxy', '--kubernetes']);
    expect(container['env'].map((e: Doc) => e['name'])).toEqual(
      expect.arrayContaining(['REDIS_ADDR', 'REDIS_PASSWORD']),
    );
  });

  it('runs the daemon on every node with the node data mounted at the same path', () => {
    const daemonSet = find(load('daemon.yaml'), 'DaemonSet', 'batchwatch-fsnotify-daemon');
    const pod = daemonSet['spec']['template']['spec'];
    expect(pod['containers'][0]['args']).toEqual(['daemon', '--kubernetes']);
    expect(pod['volumes']).toContainEqual({
      name: 'node-data',
      hostPath: { path: '/olares', type: 'Directory' },
    });
    expect(pod['containers'][0]['volumeMounts']).toContainEqual({
      name: 'node-data',
      mountPath: '/olares',
      readOnly: true,
    });
    // Every other volume is a bounded scratch dir: no other hostPath.
    for (const volume of pod['volumes']) {
      if (volume['name'] !== 'node-data') expect(volume['emptyDir']).toBeDefined();
    }
  });

  it('gives proxy and daemon their own ServiceAccount and only the verbs each uses', () => {
    const docs = load('rbac.yaml');
    const rules = (name: string) => find(docs, 'ClusterRole', name)['rules'];
    expect(rules('batchwatch-fsnotify-proxy')).toEqual([
      { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] },
      {
        apiGroups: ['sys.bytetrade.io'],
        resources: ['fswatchers'],
        verbs: ['create', 'patch', 'delete'],
      },
    ]);
    expect(rules('batchwatch-fsnotify-daemon')).toEqual([
      {
        apiGroups: ['sys.bytetrade.io'],
        resources: ['fswatchers'],
        verbs: ['get', 'list', 'watch'],
      },
    ]);
    for (const program of ['proxy', 'daemon']) {
      const account = `batchwatch-fsnotify-${program}`;
      expect(find(docs, 'ServiceAccount', account)['metadata']['namespace']).toBe('os-platform');
      const binding = find(docs, 'ClusterRoleBinding', account);
      expect(binding['roleRef']).toMatchObject({ kind: 'ClusterRole', name: account });
      expect(binding['subjects']).toEqual([
        { kind: 'ServiceAccount', name: account, namespace: 'os-platform' },
      ]);
    }
    expect(docs.filter((d) => d['kind'] === 'ServiceAccount')).toHaveLength(2);
    expect(podSpec('proxy.yaml', 'Deployment')['serviceAccountName']).toBe(
      'batchwatch-fsnotify-proxy',
    );
    expect(podSpec('daemon.yaml', 'DaemonSet')['serviceAccountName']).toBe(
      'batchwatch-fsnotify-daemon',
    );
    // Pods on the node, for --node only, in a file of its own, bound to the daemon alone.
    const node = load('rbac-daemon-node.yaml');
    expect(find(node, 'ClusterRole', 'batchwatch-fsnotify-daemon-node')['rules']).toEqual([
      { apiGroups: [''], resources: ['pods'], verbs: ['list', 'watch'] },
    ]);
    expect(find(node, 'ClusterRoleBinding', 'batchwatch-fsnotify-daemon-node')['subjects']).toEqual(
      [{ kind: 'ServiceAccount', name: 'batchwatch-fsnotify-daemon', namespace: 'os-platform' }],
    );
  });

  it('runs both with a securityContext: seccomp RuntimeDefault, read-only root, no escalation, capabilities dropped', () => {
    for (const [file, kind] of [
      ['proxy.yaml', 'Deployment'],
      ['daemon.yaml', 'DaemonSet'],
    ] as const) {
      const pod = podSpec(file, kind);
      const [container] = pod['containers'];
      const context = { ...pod['securityContext'], ...container['securityContext'] };
      expect(context['seccompProfile']).toEqual({ type: 'RuntimeDefault' });
      expect(context['readOnlyRootFilesystem']).toBe(true);
      expect(context['allowPrivilegeEscalation']).toBe(false);
      expect(context['capabilities']['drop']).toEqual(['ALL']);
      expect(context['privileged']).toBeUndefined();
      expect(pod['hostNetwork']).toBeUndefined();
    }
    // The proxy reads no node file: not root, no capability.
    const proxy = podSpec('proxy.yaml', 'Deployment');
    expect(proxy['securityContext']).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
    expect(proxy['containers'][0]['securityContext']['capabilities']['add']).toBeUndefined();
    // The daemon reads every user's directories: root with DAC_READ_SEARCH alone, read-only mounts.
    const daemon = podSpec('daemon.yaml', 'DaemonSet')['containers'][0];
    expect(daemon['securityContext']['capabilities']['add']).toEqual(['DAC_READ_SEARCH']);
    for (const mount of daemon['volumeMounts']) {
      if (mount['name'] === 'node-data') expect(mount['readOnly']).toBe(true);
    }
  });

  it('gives both resource requests and limits', () => {
    for (const [file, kind] of [
      ['proxy.yaml', 'Deployment'],
      ['daemon.yaml', 'DaemonSet'],
    ] as const) {
      const { resources } = podSpec(file, kind)['containers'][0];
      for (const key of ['requests', 'limits']) {
        expect(Object.keys(resources[key]).sort()).toEqual(['cpu', 'memory']);
      }
    }
  });

  it('lets only pods reach the proxy port, and only proxy and daemon reach Redis', () => {
    const docs = load('network-policy.yaml');
    const proxyPolicy = find(docs, 'NetworkPolicy', 'batchwatch-fsnotify-proxy');
    const deployment = find(load('proxy.yaml'), 'Deployment', 'batchwatch-fsnotify-proxy');
    const daemonSet = find(load('daemon.yaml'), 'DaemonSet', 'batchwatch-fsnotify-daemon');
    expect(deployment['spec']['template']['metadata']['labels']).toMatchObject(
      proxyPolicy['spec']['podSelector']['matchLabels'],
    );
    expect(proxyPolicy['spec']['policyTypes']).toEqual(['Ingress']);
    // From pods of any namespace (a pod selector): not from host-network addresses or outside.
    expect(proxyPolicy['spec']['ingress']).toEqual([
      {
        _from: [{ namespaceSelector: {}, podSelector: {} }],
        ports: [{ protocol: 'TCP', port: 5079 }],
      },
    ]);
    const redis = find(docs, 'NetworkPolicy', 'batchwatch-redis');
    expect(redis['spec']['policyTypes']).toEqual(['Ingress']);
    const [rule] = redis['spec']['ingress'];
    expect(rule['ports']).toEqual([{ protocol: 'TCP', port: 6379 }]);
    const allowed = rule['_from'].map((peer: Doc) => peer['podSelector']['matchLabels']);
    expect(allowed).toHaveLength(2);
    expect(deployment['spec']['template']['metadata']['labels']).toMatchObject(allowed[0]);
    expect(daemonSet['spec']['template']['metadata']['labels']).toMatchObject(allowed[1]);
    for (const peer of rule['_from']) expect(peer['namespaceSelector']).toBeUndefined();
  });
});
