import createDebug from 'debug';
import type { Redis } from 'ioredis';

const log = createDebug('batchwatch:journal:leases');

// Server time, so that the consumers' clocks need not agree.
const HEARTBEAT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]) * 2)
return redis.call('ZCARD', KEYS[1])`;

const RENEW = `
local held = {}
for i, key in ipairs(KEYS) do
  if redis.call('GET', key) == ARGV[1] then
    redis.call('PEXPIRE', key, ARGV[2])
    held[i] = 1
  else
    held[i] = 0
  end
end
return held`;

// A lease still held under this consumer's name (a restart under the same name) is its own again.
const ACQUIRE = `
local got = {}
for i, key in ipairs(KEYS) do
  if #got >= tonumber(ARGV[3]) then break end
  local owner = redis.call('GET', key)
  if owner == false then
    redis.call('SET', key, ARGV[1], 'PX', ARGV[2])
    got[#got + 1] = i
  elseif owner == ARGV[1] then
    redis.call('PEXPIRE', key, ARGV[2])
    got[#got + 1] = i
  end
end
return got`;

const RELEASE = `
for _, key in ipairs(KEYS) do
  if redis.call('GET', key) == ARGV[1] then redis.call('DEL', key) end
end
return 0`;

/** Where a group's leases live and for how long they hold. */
export interface PartitionLeaseOptions {
  /** The journal's stream key (the leases' keys start with it). */
  readonly stream: string;
  readonly group: string;
  readonly consumer: string;
  readonly partitions: number;
  /** How long a lease holds without renewal, in ms (the takeover timeout). */
  readonly ttl: number;
}

/** What one {@link PartitionLeases.tick} changed. */
export interface LeaseChange {
  /** Partitions this consumer holds from now on: their pending entries are its to take over. */
  readonly acquired: readonly number[];
  /** Partitions whose lease another consumer holds now (this one was away longer than the ttl). */
  readonly lost: readonly number[];
}

/**
 * Which partitions of a Redis journal's group this consumer reads: one lease
 * per partition (`<stream>:lease:<group>:<i>`, the holder's name, expiring
 * after `ttl` ms without renewal) and the group's live consumers
 * (`<stream>:members:<group>`, a sorted set of expiry times). Each tick
 * renews what it holds, gives back what is over its fair share
 * (`ceil(partitions / live consumers)`) once nothing of it is held
 * unacknowledged, and takes free partitions up to its share.
 *
 * ```
 *  free ─ tick: SET NX (up to the share) ─► held ─ renewed every tick ─┐
 *   ▲                                         │  over the share:       │
 *   │                                         ▼  stop reading          │
 *   ├──── release() (all acknowledged) ── releasing                    │
 *   └──── no renewal for ttl ms (holder dead or frozen) ◄──────────────┘
 * ```
 */
export class PartitionLeases {
  readonly #redis: Redis;
  readonly #options: PartitionLeaseOptions;
  readonly #members: string;
  /** Held and read from. */
  readonly #held = new Set<number>();
  /** Held, no longer read from: given back once nothing of them is held unacknowledged. */
  readonly #releasing = new Set<number>();

  constructor(redis: Redis, options: PartitionLeaseOptions) {
    this.#redis = redis;
    this.#options = options;
    this.#members = `${options.stream}:members:${options.group}`;
  }

  /** The partitions to read from, in partition order. */
  get reading(): readonly number[] {
    return [...this.#held].sort((a, b) => a - b);
  }

  /** The partitions to give back once their entries are acknowledged. */
  get releasing(): readonly number[] {
    return [...this.#releasing];
  }

  /** Whether this consumer holds partition `index`'s lease (reading or releasing). */
  holds(index: number): boolean {
    return this.#held.has(index) || this.#releasing.has(index);
  }

  /** Says this consumer is alive, renews its leases, gives back what is over its share and takes free ones up to it. */
  async tick(): Promise<LeaseChange> {
    const { consumer, ttl, partitions } = this.#options;
    const live = Number(await this.#redis.eval(HEARTBEAT, 1, this.#members, consumer, ttl));
    const lost: number[] = [];
    const mine = [...this.#held, ...this.#releasing];
    if (mine.length > 0) {
      const renewed = (await this.#redis.eval(
        RENEW,
        mine.length,
        ...mine.map((index) => this.#key(index)),
        consumer,
        ttl,
      )) as number[];
      mine.forEach((index, i) => {
        if (Number(renewed[i]) === 1) return;
        this.#held.delete(index);
        this.#releasing.delete(index);
        lost.push(index);
      });
    }
    const share = Math.ceil(partitions / Math.max(1, live));
    const reading = this.reading;
    for (const index of reading.slice(share)) {
      this.#held.delete(index);
      this.#releasing.add(index);
    }
    const acquired: number[] = [];
    const wanted = share - this.#held.size - this.#releasing.size;
    if (wanted > 0) {
      // Each consumer starts looking at its own place, so that they do not all race for partition 0.
      const start = startOf(consumer, partitions);
      const free: number[] = [];
      for (let i = 0; i < partitions; i++) {
        const index = (start + i) % partitions;
        if (!this.holds(index)) free.push(index);
      }
      const got = (await this.#redis.eval(
        ACQUIRE,
        free.length,
        ...free.map((index) => this.#key(index)),
        consumer,
        ttl,
        wanted,
      )) as number[];
      for (const position of got) {
        const index = free[Number(position) - 1] as number;
        this.#held.add(index);
        acquired.push(index);
      }
    }
    if (acquired.length > 0 || lost.length > 0) {
      log('%s: %d live, share %d; took %o, lost %o', consumer, live, share, acquired, lost);
    }
    return { acquired, lost };
  }

  /** Gives back `indexes` (nothing of them is held unacknowledged any more). */
  async release(indexes: readonly number[]): Promise<void> {
    if (indexes.length === 0) return;
    for (const index of indexes) this.#releasing.delete(index);
    await this.#redis.eval(
      RELEASE,
      indexes.length,
      ...indexes.map((index) => this.#key(index)),
      this.#options.consumer,
    );
    log('%s: gave back %o', this.#options.consumer, indexes);
  }

  /** Gives back every lease and leaves the group's members (a clean close: others take over at once). */
  async releaseAll(): Promise<void> {
    const all = [...this.#held, ...this.#releasing];
    this.#held.clear();
    await this.release(all);
    await this.#redis.zrem(this.#members, this.#options.consumer);
  }

  #key(index: number): string {
    return `${this.#options.stream}:lease:${this.#options.group}:${index}`;
  }
}

function startOf(consumer: string, partitions: number): number {
  let hash = 0;
  for (let i = 0; i < consumer.length; i++)
    hash = (Math.imul(hash, 31) + consumer.charCodeAt(i)) | 0;
  return (hash >>> 0) % partitions;
}
