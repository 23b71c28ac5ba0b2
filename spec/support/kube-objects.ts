// Objects shaped like those of a real Olares cluster (the fs-lib deployment in beclab/Olares,
// platform/fs-lib/.olares/config/cluster/deploy/), for the test API server.
import { writeFile } from 'node:fs/promises';
import type { KubeObject } from './kube-api-server.ts';

/** One hostPath volume of {@link appPod}: `hostPath` on the node, mounted at `mountPath`. */
export interface TestVolume {
  readonly name: string;
  readonly hostPath: string;
  readonly type?: string;
  readonly mountPath: string;
  readonly subPath?: string;
}

/**
 * An app pod with a JFS client container, its hostPath volumes and the usual service account token
 * volume. Running (default) it has `status.podIP` and `status.podIPs` (default 10.233.74.21);
 * Pending, as while its containers are created, it has neither.
 */
export function appPod(options: {
  namespace: string;
  name: string;
  container: string;
  node: string;
  volumes: readonly TestVolume[];
  phase?: 'Pending' | 'Running';
  podIPs?: readonly string[];
}): KubeObject {
  const { namespace, name, container, node, volumes } = options;
  const podIPs = options.podIPs ?? ['10.233.74.21'];
  const status =
    options.phase === 'Pending'
      ? { phase: 'Pending', hostIP: '192.168.50.10', qosClass: 'Burstable' }
      : {
          phase: 'Running',
          hostIP: '192.168.50.10',
          podIP: podIPs[0],
          podIPs: podIPs.map((ip) => ({ ip })),
          qosClass: 'Burstable',
        };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace,
      generateName: `${name.replace(/-[^-]+$/, '')}-`,
      labels: { app: container, 'pod-template-hash': '7d9f8c6b5' },
      ownerReferences: [
        {
          apiVersion: 'apps/v1',
          kind: 'ReplicaSet',
          name: `${container}-7d9f8c6b5`,
          controller: true,
          blockOwnerDeletion: true,
          uid: 'a3c1e0f2-5b7d-4e8a-9c1f-2d3e4f5a6b7c',
        },
      ],
    },
    spec: {
      nodeName: node,
      serviceAccountName: 'default',
      restartPolicy: 'Always',
      volumes: [
        ...volumes.map((v) => ({
          name: v.name,
          hostPath: { path: v.hostPath, ...(v.type === undefined ? {} : { type: v.type }) },
        })),
        {
          name: 'kube-api-access-x7k2p',
          projected: {
            defaultMode: 420,
            sources: [{ serviceAccountToken: { expirationSeconds: 3607, path: 'token' } }],
          },
        },
      ],
      containers: [
        {
          name: container,
          image: 'beclab/files-server:v0.2.60',
          imagePullPolicy: 'IfNotPresent',
          env: [
            { name: 'NOTIFY_SERVER', value: 'fsnotify-svc.os-platform:5079' },
            {
              name: 'POD_NAME',
              valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } },
            },
            {
              name: 'NAMESPACE',
              valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } },
            },
            { name: 'CONTAINER_NAME', value: container },
          ],
          volumeMounts: [
            ...volumes.map((v) => ({
              name: v.name,
              mountPath: v.mountPath,
              ...(v.subPath === undefined ? {} : { subPath: v.subPath }),
            })),
            {
              name: 'kube-api-access-x7k2p',
              mountPath: '/var/run/secrets/kubernetes.io/serviceaccount',
              readOnly: true,
            },
          ],
        },
        { name: 'sidecar', image: 'beclab/envoy:v1.25.11', volumeMounts: [] },
      ],
    },
    status,
  };
}

/** Writes a kubeconfig naming `server` (http:// works) with a bearer token; returns its path. */
export async function writeKubeconfig(file: string, server: string): Promise<string> {
  await writeFile(
    file,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- name: test',
      '  cluster:',
      `    server: ${server}`,
      'users:',
      '- name: batchwatch',
      '  user:',
      '    token: test-token',
      'contexts:',
      '- name: test',
      '  context:',
      '    cluster: test',
      '    user: batchwatch',
      'current-context: test',
      '',
    ].join('\n'),
  );
  return file;
}
