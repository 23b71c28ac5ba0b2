import type { SchedulerLike } from 'rxjs';
import type { RetryPolicy } from '../backoff.ts';
import type { KubeClient } from './kube-client.ts';
import type { KubernetesApiError } from './kubernetes-errors.ts';
import { PodIndex } from './pod-index.ts';

/** Pods per page of the pod index's list. */
const POD_PAGE_SIZE = 500;

/** What a {@link PodLookupGate} needs besides the client. */
export interface PodLookupGateOptions {
  /** Keep a {@link PodIndex}; without one every lookup is admitted. */
  readonly podIndex: boolean;
  /** Lookups per second of pods the index does not hold that are still admitted. */
  readonly unknownPodReads: number;
  readonly retry: RetryPolicy;
  readonly scheduler: SchedulerLike;
  readonly warn: (error: KubernetesApiError) => void;
}

/**
 * Decides, without a request, whether looking a pod up may cost one: a pod
 * the cluster's {@link PodIndex} holds, or any pod while the index is not in
 * step with the server, is admitted; a pod it does not hold only within
 * `unknownPodReads` per second (it may have been created a moment ago, its
 * ADDED event still on its way), so that naming pods that do not exist costs
 * the API server a bounded number of requests per second, however many names.
 */
export class PodLookupGate {
  readonly #index: PodIndex | null;
  readonly #perSecond: number;
  readonly #scheduler: SchedulerLike;
  /** The current second of admitted unknown pods (on the scheduler's clock), and how many. */
  #window = Number.NEGATIVE_INFINITY;
  #admitted = 0;

  constructor(client: KubeClient, options: PodLookupGateOptions) {
    this.#perSecond = options.unknownPodReads;
    this.#scheduler = options.scheduler;
    this.#index = options.podIndex
      ? new PodIndex(client, {
          retry: options.retry,
          scheduler: options.scheduler,
          pageSize: POD_PAGE_SIZE,
          warn: options.warn,
        })
      : null;
  }

  /** Pods the index holds now (0 without one). */
  get indexedPods(): number {
    return this.#index?.size ?? 0;
  }

  /** Whether a lookup of `namespace/name` may ask the API server; starts the index on first use. */
  async admits(namespace: string, name: string): Promise<boolean> {
    if (this.#index === null) return true;
    await this.#index.start();
    if (this.#index.has(namespace, name) !== false) return true;
    const now = this.#scheduler.now();
    if (now - this.#window >= 1000) {
      this.#window = now;
      this.#admitted = 0;
    }
    if (this.#admitted >= this.#perSecond) return false;
    this.#admitted++;
    return true;
  }

  /** Stops the index; idempotent. */
  close(): void {
    this.#index?.close();
  }
}
