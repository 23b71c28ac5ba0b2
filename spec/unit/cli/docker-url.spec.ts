import { describe, expect, it } from 'vitest';
import { dockerConnection } from '../../../lib/cli/docker-url.ts';
import { UsageError } from '../../../lib/cli/usage-error.ts';

describe('dockerConnection (--docker URL)', () => {
  it('reads a unix socket path', () => {
    expect(dockerConnection('unix:///var/run/docker.sock')).toEqual({
      socketPath: '/var/run/docker.sock',
    });
  });

  it('reads tcp, http and https host:port, with the Docker default ports', () => {
    expect(dockerConnection('tcp://docker.example:2375')).toEqual({
      host: 'docker.example',
      port: 2375,
      protocol: 'http',
    });
    expect(dockerConnection('http://10.0.0.2')).toEqual({
      host: '10.0.0.2',
      port: 2375,
      protocol: 'http',
    });
    expect(dockerConnection('https://docker.example/')).toEqual({
      host: 'docker.example',
      port: 2376,
      protocol: 'https',
    });
  });

  it('reads a bracketed IPv6 host', () => {
    expect(dockerConnection('tcp://[::1]:2375')).toEqual({
      host: '::1',
      port: 2375,
      protocol: 'http',
    });
  });

  it.each([
    'tcp://',
    'tcp://:2375',
    'tcp://host:99999',
    'tcp://host:2375/v1.45',
    'unix://relative.sock',
    'docker.example:2375',
  ])('refuses %s, naming the flag', (url) => {
    expect(() => dockerConnection(url)).toThrow(UsageError);
    expect(() => dockerConnection(url)).toThrow(`--docker ${url}: `);
  });

  it('refuses ssh:// with the socket-forwarding fix', () => {
    expect(() => dockerConnection('ssh://user@host')).toThrow(/ssh -L/);
  });

  it("leaves dockerode's default for an empty URL, but checks DOCKER_HOST first", () => {
    expect(dockerConnection('', {})).toEqual({});
    expect(dockerConnection('', { DOCKER_HOST: 'tcp://host:2375' })).toEqual({});
    expect(() => dockerConnection('', { DOCKER_HOST: 'ssh://host' })).toThrow(
      'DOCKER_HOST=ssh://host: ',
    );
  });
});
