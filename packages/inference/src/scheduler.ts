import { BackendError } from "./errors.js";

export interface SlotLease<Slot> {
  readonly slot: Slot;
  /** Returns the slot (to the next waiter first). Safe to call more than once. */
  release(): void;
}

interface Waiter<Slot> {
  grant(slot: Slot): void;
  fail(error: BackendError): void;
}

/**
 * Hands out a fixed set of slots (context sequences, connections) to jobs: first come, first served, with a
 * bounded wait queue. A job that finds every slot and queue place taken is refused at once with "busy", so
 * an overloaded provider says so instead of piling up work it cannot start.
 *
 * A free slot is always the lowest-numbered one: llama.cpp decodes the busy sequences in one pass only when
 * their ids are consecutive, so jobs are packed at the low end instead of rotating through every slot.
 */
export class SlotScheduler<Slot> {
  private readonly free: Slot[];
  private readonly rank: Map<Slot, number>;
  private readonly waiters: Waiter<Slot>[] = [];
  private readonly idleResolvers: Array<() => void> = [];
  private leased = 0;
  private closed = false;

  constructor(
    slots: readonly Slot[],
    readonly maxQueue: number,
  ) {
    if (slots.length === 0) throw new RangeError("a scheduler needs at least one slot");
    if (!Number.isInteger(maxQueue) || maxQueue < 0)
      throw new RangeError("maxQueue must be a non-negative integer");
    this.free = [...slots];
    this.rank = new Map(slots.map((slot, index) => [slot, index]));
  }

  get size(): number {
    return this.free.length + this.leased;
  }

  get active(): number {
    return this.leased;
  }

  get queued(): number {
    return this.waiters.length;
  }

  acquire(signal?: AbortSignal): Promise<SlotLease<Slot>> {
    if (this.closed) return Promise.reject(new BackendError("closed", "backend is closed"));
    if (signal?.aborted) return Promise.reject(abortedWhileQueued());
    const slot = this.free.shift();
    if (slot !== undefined) return Promise.resolve(this.lease(slot));
    if (this.waiters.length >= this.maxQueue) {
      return Promise.reject(
        new BackendError(
          "busy",
          `all ${this.size} slots are busy and ${this.waiters.length} jobs are queued`,
        ),
      );
    }

    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        const index = this.waiters.indexOf(waiter);
        if (index >= 0) this.waiters.splice(index, 1);
        reject(abortedWhileQueued());
      };
      const waiter: Waiter<Slot> = {
        grant: (granted) => {
          signal?.removeEventListener("abort", onAbort);
          resolve(this.lease(granted));
        },
        fail: (error) => {
          signal?.removeEventListener("abort", onAbort);
          reject(error);
        },
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  /** Refuses every queued and future job with "closed"; leased slots stay with their jobs until released. */
  close(): void {
    this.closed = true;
    for (const waiter of this.waiters.splice(0)) waiter.fail(new BackendError("closed", "backend is closed"));
  }

  /** Resolves once no slot is leased. */
  whenIdle(): Promise<void> {
    if (this.leased === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleResolvers.push(resolve));
  }

  private lease(slot: Slot): SlotLease<Slot> {
    this.leased++;
    let released = false;
    return {
      slot,
      release: () => {
        if (released) return;
        released = true;
        this.leased--;
        const next = this.waiters.shift();
        if (next) {
          next.grant(slot); // leases it again, straight to the longest-waiting job
          return;
        }
        this.free.push(slot);
        this.free.sort((a, b) => this.rank.get(a)! - this.rank.get(b)!);
        if (this.leased === 0) for (const resolve of this.idleResolvers.splice(0)) resolve();
      },
    };
  }
}

function abortedWhileQueued(): BackendError {
  return new BackendError("aborted", "job was aborted before it started");
}
