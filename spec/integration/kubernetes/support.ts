import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeClient, type KubeClientOptions } from '../../../lib/kubernetes/kube-client.ts';
import { KubeApiServer, type KubeApiServerOptions } from '../../support/kube-api-server.ts';
import { writeKubeconfig } from '../../support/kube-objects.ts';

/** A test API server and the official client pointed at it through a kubeconfig (http://). */
export async function startApi(
  cleanup: (fn: () => unknown) => void,
  options: KubeApiServerOptions & Pick<KubeClientOptions, 'watchTimeout' | 'program'> = {},
): Promise<{ api: KubeApiServer; client: KubeClient; kubeconfig: string }> {
  const { watchTimeout, program, ...serverOptions } = options;
  const dir = await mkdtemp(join(tmpdir(), 'bw-kapi-'));
  cleanup(() => rm(dir, { recursive: true, force: true }));
  const api = await KubeApiServer.start(serverOptions);
  cleanup(() => api.close());
  const kubeconfig = await writeKubeconfig(join(dir, 'kubeconfig'), api.url);
  const client = KubeClient.load({
    env: { KUBECONFIG: kubeconfig },
    ...(watchTimeout === undefined ? {} : { watchTimeout }),
    ...(program === undefined ? {} : { program }),
  });
  return { api, client, kubeconfig };
}
