import { describe, expect, it } from 'vitest';
import { parseCommand } from '../../../lib/cli/parse-args.ts';

describe('parseCommand: watch', () => {
  it('takes --ignore GLOB repeatedly, and --no-default-ignores', () => {
    expect(parseCommand(['watch', '.', '--ignore', '*.log', '--ignore', 'dist/**'])).toMatchObject({
      config: { ignore: ['*.log', 'dist/**'], defaultIgnores: true },
    });
    expect(parseCommand(['.', '--no-default-ignores'])).toMatchObject({
      config: { ignore: [], defaultIgnores: false },
    });
  });

  it('takes the JFS identity as --jfs-pod NAMESPACE/POD/CONTAINER', () => {
    const jfs = ['--jfs', 'proxy:5079', '--jfs-path', '/data'];
    expect(parseCommand([...jfs, '--jfs-pod', 'shop/web-0/app'])).toMatchObject({
      config: {
        jfs: {
          server: 'proxy:5079',
          paths: ['/data'],
          pod: { namespace: 'shop', pod: 'web-0', container: 'app' },
        },
      },
    });
    // Without the flag, no identity is set here: the source reads the environment.
    expect(parseCommand(jfs)).toMatchObject({ config: { jfs: { paths: ['/data'] } } });
    expect(parseCommand(jfs)).not.toHaveProperty('config.jfs.pod');
    for (const bad of ['web-0/app', 'shop//app', 'a/b/c/d']) {
      expect(() => parseCommand([...jfs, '--jfs-pod', bad])).toThrow(
        `--jfs-pod takes NAMESPACE/POD/CONTAINER (the pod the proxy maps paths for), not "${bad}".`,
      );
    }
    expect(() => parseCommand(['--jfs-pod', 'a/b/c'])).toThrow('--jfs-pod needs --jfs ADDR');
  });

  it('takes --metrics [HOST:]PORT, on 127.0.0.1 by default', () => {
    expect(parseCommand(['--metrics', '9464'])).toMatchObject({
      config: { metricsPort: 9464, metricsHost: '127.0.0.1' },
    });
    expect(parseCommand(['--metrics', '0.0.0.0:9464'])).toMatchObject({
      config: { metricsPort: 9464, metricsHost: '0.0.0.0' },
    });
    expect(parseCommand(['--metrics', '[::]:0'])).toMatchObject({
      config: { metricsPort: 0, metricsHost: '::' },
    });
    expect(
      parseCommand(['proxy', '--mounts', 'm.json', '--metrics', '10.0.0.5:9464']),
    ).toMatchObject({ config: { metricsPort: 9464, metricsHost: '10.0.0.5' } });
    for (const bad of ['70000', 'host', 'host:', 'h:1/x', ':-1']) {
      expect(() => parseCommand(['--metrics', bad])).toThrow(/^--metrics takes \[HOST:\]PORT/);
    }
  });
});
