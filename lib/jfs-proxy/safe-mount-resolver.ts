import { describeCause } from '../describe.ts';
import { JfsServerError } from '../errors.ts';
import { settle } from '../settle.ts';
import type { ContainerRef, MountClient, MountResolver, PodMount } from './mount-table.ts';

/** A mount resolver threw, rejected, or answered something that is not a list of mounts. */
export class MountLookupError extends JfsServerError {
  override readonly name = 'MountLookupError';
  override readonly code = 'BATCHWATCH_JFS_MOUNT_LOOKUP';
  /** The container whose mounts were asked for. */
  readonly container: ContainerRef;

  constructor(container: ContainerRef, problem: string, cause?: unknown) {
    const ref = `${container.namespace}/${container.pod}/${container.container}`;
    super(`mountsOf(${ref}) ${problem}. Fix the MountResolver.`, { cause });
    this.container = container;
  }
}

type Answer = readonly PodMount[] | undefined;
type Lookup = { ok: true; value: Answer } | { ok: false; error: MountLookupError };

/**
 * Wraps a user's {@link MountResolver} so that the proxy can call it without
 * guarding: whatever `mountsOf` throws, rejects, or returns (a revoked
 * Proxy, a thenable whose `then` throws, mounts that are not paths) comes
 * back as mounts, `undefined`, or a promise rejected with a
 * {@link MountLookupError} whose message is safe to read. Answers that are
 * known synchronously stay synchronous.
 */
export function safeMountResolver(inner: MountResolver): MountResolver {
  let hint: unknown;
  try {
    hint = inner.unknownContainerHint;
  } catch {
    hint = undefined;
  }
  return {
    ...(typeof hint === 'string' ? { unknownContainerHint: hint.slice(0, 500) } : {}),
    mountsOf(ref: ContainerRef, client?: MountClient): Answer | Promise<Answer> {
      const state: { sync: Lookup | null; answer: ((outcome: Lookup) => void) | null } = {
        sync: null,
        answer: null,
      };
      settle(
        () => inner.mountsOf(ref, client),
        (outcome) => {
          let result: Lookup;
          if (!outcome.ok) {
            const verb = outcome.via === 'return' ? 'threw' : 'rejected with';
            result = {
              ok: false,
              error: new MountLookupError(
                ref,
                `${verb} ${describeCause(outcome.cause)}`,
                outcome.cause,
              ),
            };
          } else {
            const checked = checkMounts(outcome.value);
            result =
              checked === null
                ? {
                    ok: false,
                    error: new MountLookupError(
                      ref,
                      'answered something other than [{ mountPath, hostPath }] or undefined',
                    ),
                  }
                : { ok: true, value: checked.value };
          }
          if (state.answer === null) state.sync = result;
          else state.answer(result);
        },
      );
      const known = state.sync;
      if (known !== null) {
        if (known.ok) return known.value;
        return Promise.reject(known.error);
      }
      return new Promise<Answer>((resolve, reject) => {
        state.answer = (outcome) => (outcome.ok ? resolve(outcome.value) : reject(outcome.error));
      });
    },
  };
}

/** Copies valid mounts (absolute path strings), or `null` for anything else; a throwing getter is `null` too. */
function checkMounts(value: unknown): { value: Answer } | null {
  if (value === undefined) return { value: undefined };
  try {
    if (!Array.isArray(value)) return null;
    const mounts: PodMount[] = [];
    for (const item of value as unknown[]) {
      const { mountPath, hostPath } = (item ?? {}) as Partial<PodMount>;
      if (typeof mountPath !== 'string' || typeof hostPath !== 'string') return null;
      if (!mountPath.startsWith('/') || !hostPath.startsWith('/')) return null;
      mounts.push({ mountPath, hostPath });
    }
    return { value: mounts };
  } catch {
    return null;
  }
}
