import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeClient } from '../../../lib/kubernetes/kube-client.ts';
import { KubeApiServer } from '../../support/kube-api-server.ts';
import { writeKubeconfig } from '../../support/kube-objects.ts';

/** A test API server and the official client pointed at it through a kubeconfig (http://). */
export async function startApi(
  cleanup: (fn: () => unknown) => void,
): Promise<{ api: KubeApiServer; client: KubeClient; kubeconfig: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'bw-kapi-'));
  cleanup(() => rm(dir, { recursive: true, force: true }));
  const api = await KubeApiServer.start();
  cleanup(() => api.close());
  const kubeconfig = await writeKubeconfig(join(dir, 'kubeconfig'), api.url);
  return { api, client: KubeClient.load({ env: { KUBECONFIG: kubeconfig } }), kubeconfig };
}
