// The kubeconfig is found as kubectl finds it: $KUBECONFIG (files merged, the first to set a value
// wins), else $HOME/.kube/config, else in-cluster. Files in a temp dir; nothing outside is read.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OptionsError } from '../../../lib/errors.ts';
import { KubeClient } from '../../../lib/kubernetes/kube-client.ts';
import { cleanupAfterEach } from '../../support/cleanups.ts';

const cleanup = cleanupAfterEach();

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'bw-kcfg-'));
  cleanup(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A kubeconfig with one cluster/context named `name` on `server`, current when `current`. */
function kubeconfig(name: string, server: string, current: boolean): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- name: ${name}`,
    '  cluster:',
    `    server: ${server}`,
    'users:',
    `- name: ${name}`,
    '  user:',
    '    token: secret-token-not-printed',
    'contexts:',
    `- name: ${name}`,
    '  context:',
    `    cluster: ${name}`,
    `    user: ${name}`,
    ...(current ? [`current-context: ${name}`] : []),
    '',
  ].join('\n');
}

describe('KubeClient.load: the kubeconfig as kubectl reads it', () => {
  it('reads $HOME/.kube/config when KUBECONFIG is not set', async () => {
    const home = await tempDir();
    await mkdir(join(home, '.kube'));
    await writeFile(
      join(home, '.kube', 'config'),
      kubeconfig('home', 'http://127.0.0.1:6443', true),
    );
    const client = KubeClient.load({ env: { HOME: home } });
    expect(client.server).toBe('http://127.0.0.1:6443');
    expect(client.source).toBe(join(home, '.kube', 'config'));
  });

  it('prefers $KUBECONFIG, merging its files: the first current-context set wins', async () => {
    const dir = await tempDir();
    const home = await tempDir();
    await mkdir(join(home, '.kube'));
    await writeFile(join(home, '.kube', 'config'), kubeconfig('home', 'http://127.0.0.1:1', true));
    const a = join(dir, 'a');
    const b = join(dir, 'b');
    const c = join(dir, 'c');
    await writeFile(a, kubeconfig('a', 'http://127.0.0.1:2', false));
    await writeFile(b, kubeconfig('b', 'http://127.0.0.1:3', true));
    await writeFile(c, kubeconfig('c', 'http://127.0.0.1:4', true));
    const client = KubeClient.load({ env: { HOME: home, KUBECONFIG: `${a}::${b}:${c}` } });
    expect(client.server).toBe('http://127.0.0.1:3');
  });

  it('without KUBECONFIG, ~/.kube/config or a service account, says where it looked', async () => {
    const home = await tempDir();
    const error = (() => {
      try {
        KubeClient.load({ env: { HOME: home } });
      } catch (err) {
        return err;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(OptionsError);
    expect((error as Error).message).toContain(
      'KUBECONFIG, $HOME/.kube/config, or a pod with KUBERNETES_SERVICE_HOST and a service account',
    );
  });

  it('says why a kubeconfig is not valid YAML without quoting it (its lines may hold a token)', async () => {
    const dir = await tempDir();
    const file = join(dir, 'config');
    const broken = kubeconfig('a', 'http://127.0.0.1:2', true).replace(
      '    token: secret-token-not-printed',
      '    token: secret-token-not-printed\n   : [unclosed',
    );
    await writeFile(file, broken);
    const error = (() => {
      try {
        KubeClient.load({ kubeconfig: file });
      } catch (err) {
        return err;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(OptionsError);
    expect((error as Error).message).toMatch(/not valid YAML: .+ at line \d+/);
    expect((error as Error).message).not.toContain('secret-token');
  });
});
