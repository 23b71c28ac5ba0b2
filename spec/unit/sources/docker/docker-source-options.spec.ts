import { describe, expect, it } from 'vitest';
import { Action, OptionsError } from '../../../../lib/index.ts';
import {
  type DockerSourceOptions,
  resolveDockerSourceOptions,
} from '../../../../lib/sources/docker/docker-source-options.ts';

function optionOf(options: unknown): string | undefined {
  try {
    resolveDockerSourceOptions(options as DockerSourceOptions);
  } catch (err) {
    expect(err).toBeInstanceOf(OptionsError);
    return (err as OptionsError).option;
  }
  return undefined;
}

describe('resolveDockerSourceOptions', () => {
  it('fills in the defaults', () => {
    const resolved = resolveDockerSourceOptions({});
    expect(resolved.labels).toEqual([]);
    expect(resolved.initialState).toBe('none');
    expect(resolved.actionMap.get('start')).toBe(Action.ContainerStart);
    expect(resolved.actionMap.size).toBe(8);
    const delay = resolved.retry(1) as number;
    expect(delay).toBeGreaterThanOrEqual(800);
    expect(delay).toBeLessThanOrEqual(1000);
    expect(typeof resolved.client.events).toBe('function');
    expect(Object.isFrozen(resolved)).toBe(true);
  });

  it('names the bad option', () => {
    expect(optionOf(null)).toBe('options');
    expect(optionOf({ label: ['a'] })).toBe('label');
    expect(optionOf({ docker: 'unix:///var/run/docker.sock' })).toBe('docker');
    expect(optionOf({ labels: 'a=b' })).toBe('labels');
    expect(optionOf({ containers: [''] })).toBe('containers');
    expect(optionOf({ events: [1] })).toBe('events');
    expect(optionOf({ initialState: 'list' })).toBe('initialState');
    expect(optionOf({ initialState: 'forceReload' })).toBe('initialState');
    expect(optionOf({ scheduler: {} })).toBe('scheduler');
    expect(optionOf({ retry: 1000 })).toBe('retry');
    expect(optionOf({ actionMap: { start: 3 } })).toBe('actionMap.start');
    expect(optionOf({ actionMap: [] })).toBe('actionMap');
  });

  it('extends the action map', () => {
    const resolved = resolveDockerSourceOptions({ actionMap: { restart: Action.ContainerStart } });
    expect([...resolved.actionMap]).toEqual([['restart', Action.ContainerStart]]);
  });
});
