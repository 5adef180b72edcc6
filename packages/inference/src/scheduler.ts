import { BackendError } from "./errors.js";

export interface SlotLease<Slot> {
  readonly slot: Slot;
  /** Returns the slot (to the next waiter first). Safe to call more than once. */
  release(): void;
}

interface Waiter {
  grant(index: number): void;
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
  private readonly slots: readonly Slot[];
  /** Indexes of the free slots, ascending. */
  private readonly free: number[];
  private readonly waiters: Waiter[] = [];
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
    this.slots = [...slots];
    this.free = this.slots.map((_, index) => index);
  }

  get size(): number {
    return this.slots.length;
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
    const index = this.free.shift();
    if (index !== undefined) return Promise.resolve(this.lease(index));
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
      const waiter: Waiter = {
        grant: (granted: number) => {
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

  private lease(index: number): SlotLease<Slot> {
    this.leased++;
    let released = false;
    return {
      slot: this.slots[index]!,
      release: () => {
        if (released) return;
        released = true;
        this.leased--;
        const next = this.waiters.shift();
        if (next) {
          next.grant(index); // leases it again, straight to the longest-waiting job
          return;
        }
        const above = this.free.findIndex((free) => free > index);
        this.free.splice(above === -1 ? this.free.length : above, 0, index);
        if (this.leased === 0) for (const resolve of this.idleResolvers.splice(0)) resolve();
      },
    };
  }
}

function abortedWhileQueued(): BackendError {
  return new BackendError("aborted", "job was aborted before it started");
}
