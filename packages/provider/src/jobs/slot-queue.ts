/**
 * The node's own admission control: at most `slots` jobs run, at most `maxQueue` wait, first come first
 * served. The node checks `hasRoom()` before it accepts a job, so it refuses work it cannot start soon
 * instead of piling it up (the backend never sees more jobs than it has slots).
 */
export class SlotQueue<T> {
  readonly slots: number;
  readonly maxQueue: number;
  readonly #waiting: T[] = [];
  readonly #run: (item: T) => Promise<void>;
  readonly #onIdle: Array<() => void> = [];
  #active = 0;
  #paused = false;

  constructor(slots: number, maxQueue: number, run: (item: T) => Promise<void>) {
    this.slots = slots;
    this.maxQueue = maxQueue;
    this.#run = run;
  }

  get active(): number {
    return this.#active;
  }

  get queued(): number {
    return this.#waiting.length;
  }

  /**
   * Whether `count` more items would fit beside `reserved` ones (`reserved`: items promised room but not
   * pushed yet).
   */
  hasRoom(reserved = 0, count = 1): boolean {
    return this.#active + this.#waiting.length + reserved + count <= this.slots + this.maxQueue;
  }

  /** Places not taken by running, waiting or `reserved` items. */
  free(reserved = 0): number {
    return Math.max(0, this.slots + this.maxQueue - this.#active - this.#waiting.length - reserved);
  }

  /** Starts the item now if a slot is free, else queues it. `force` skips the room check (resumed jobs). */
  push(item: T, force = false): void {
    this.pushAll([item], force);
  }

  /** Pushes all of `items` (a batch's items, in order) or, without room for all, none of them. */
  pushAll(items: readonly T[], force = false): void {
    if (!force && !this.hasRoom(0, items.length))
      throw new RangeError("no room: check hasRoom() before push()");
    this.#waiting.push(...items);
    this.#pump();
  }

  /** Takes a waiting item out of the queue; undefined when none matches. */
  remove(matches: (item: T) => boolean): T | undefined {
    const index = this.#waiting.findIndex(matches);
    if (index < 0) return undefined;
    return this.#waiting.splice(index, 1)[0];
  }

  /** Takes every waiting item that matches out of the queue. */
  removeAll(matches: (item: T) => boolean): T[] {
    const taken = this.#waiting.filter(matches);
    if (taken.length > 0)
      this.#waiting.splice(0, this.#waiting.length, ...this.#waiting.filter((item) => !matches(item)));
    return taken;
  }

  /** Stops starting queued items and hands them all back. */
  closeAndTakeQueued(): T[] {
    this.#paused = true;
    return this.#waiting.splice(0);
  }

  /** Resolves once nothing runs. */
  whenIdle(): Promise<void> {
    if (this.#active === 0) return Promise.resolve();
    return new Promise((resolve) => this.#onIdle.push(resolve));
  }

  #pump(): void {
    while (!this.#paused && this.#active < this.slots && this.#waiting.length > 0) {
      const item = this.#waiting.shift() as T;
      this.#active++;
      void this.#run(item)
        .catch(() => undefined) // run() reports its own failures; the slot must come back regardless
        .finally(() => {
          this.#active--;
          this.#pump();
          if (this.#active === 0) for (const resolve of this.#onIdle.splice(0)) resolve();
        });
    }
  }
}
