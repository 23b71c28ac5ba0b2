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

describe('deploy/kubernetes', () => {
  it('defines the FSWatcher CRD exactly as fs-lib does (names, scope, version, fields, default, columns)', () => {
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
    expect(version['additionalPrinterColumns']).toEqual([
      { jsonPath: '.spec.pod', name: 'the content request pod', type: 'string' },
      { jsonPath: '.spec.container', name: 'the content request container', type: 'string' },
      { jsonPath: '.status.state', name: 'state', type: 'string' },
      { jsonPath: '.metadata.creationTimestamp', name: 'age', type: 'date' },
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
    expect(pod['volumes']).toEqual([
      { name: 'node-data', hostPath: { path: '/olares', type: 'Directory' } },
    ]);
    expect(pod['containers'][0]['volumeMounts']).toEqual([
      { name: 'node-data', mountPath: '/olares', readOnly: true },
    ]);
  });

  it('grants each program the API verbs it uses, under the service account both run as', () => {
    const docs = load('rbac.yaml');
    const rules = (name: string) => find(docs, 'ClusterRole', name)['rules'];
    expect(rules('batchwatch-fsnotify-proxy')).toEqual([
      { apiGroups: [''], resources: ['pods'], verbs: ['get', 'watch'] },
      {
        apiGroups: ['sys.bytetrade.io'],
        resources: ['fswatchers'],
        verbs: ['create', 'patch', 'delete'],
      },
    ]);
    expect(rules('batchwatch-fsnotify-daemon')).toEqual([
      { apiGroups: ['sys.bytetrade.io'], resources: ['fswatchers'], verbs: ['list', 'watch'] },
      { apiGroups: [''], resources: ['pods'], verbs: ['list', 'watch'] },
    ]);
    for (const doc of [...load('proxy.yaml'), ...load('daemon.yaml')]) {
      if (doc['kind'] === 'Service') continue;
      expect(doc['spec']['template']['spec']['serviceAccountName']).toBe('batchwatch-fsnotify');
    }
  });
});
