/**
 * Wakes sub-calls waiting for room. Two kinds of wake:
 * - `release(provider)`: one place was freed (a job of ours ended). It wakes the longest-waiting waiter only
 *   (FIFO, so nobody starves; `urgent` waiters first: a straggler's hedge bounds the tail); a waiter that cannot use the place hands the wake on with `pass`, to the next
 *   one that was already waiting when the place was freed (so a wake visits each waiter at most once and never
 *   circles). Waking everyone on each job end made dispatch O(jobs × waiters × providers).
 * - `notify()`: something that may help anyone changed (the directory, a payment became possible, a
 *   probation quota freed): every waiter wakes and looks again.
 * Waiters re-check, so a spurious wake costs one pick; the `ms` bound of `wait` catches silent changes
 * (avoidances and cooldowns expiring).
 */

/** Why a waiter woke: a freed place (hand it on with `pass` when unused), or anything else. */
export interface Wake {
  /** The provider whose place was freed; undefined: a broadcast or the timeout. */
  provider: string | undefined;
  /** Waiters registered up to this number may still be offered this wake. */
  readonly upTo: number;
}

const BROADCAST: Wake = { provider: undefined, upTo: -1 };

interface Waiter {
  seq: number;
  wake: (why: Wake) => void;
}

export class Notifier {
  /** Waiters in arrival order (a Map keeps insertion order: the FIFO, with O(1) removal). */
  readonly #waiters = new Map<number, Waiter>();
  /** Urgent waiters (hedges for stragglers), offered a freed place before the others. */
  readonly #urgent = new Map<number, Waiter>();
  #seq = 0;

  /** Wakes every waiter. */
  notify(): void {
    const waiters = [...this.#urgent.values(), ...this.#waiters.values()];
    this.#urgent.clear();
    this.#waiters.clear();
    for (const waiter of waiters) waiter.wake(BROADCAST);
  }

  /** One place at `provider` was freed: wakes the longest-waiting waiter, if any. */
  release(provider: string): void {
    this.#offer({ provider, upTo: this.#seq });
  }

  /** A waiter woken by `wake` could not use it: offers it to the next one that was waiting before it. */
  pass(wake: Wake): void {
    if (wake.provider !== undefined) this.#offer(wake);
  }

  /** Waiting now (tests, figures). */
  get waiting(): number {
    return this.#waiters.size + this.#urgent.size;
  }

  /**
   * Resolves with the wake that ended the wait (a release or a notify), or undefined after `ms` or once
   * `signal` aborts (the waiter is then gone at once: no later release is lost on it).
   */
  wait(ms: number, signal?: AbortSignal, urgent = false): Promise<Wake | undefined> {
    const queue = urgent ? this.#urgent : this.#waiters;
    return new Promise((resolve) => {
      if (signal?.aborted) {
        resolve(undefined);
        return;
      }
      const seq = ++this.#seq;
      const wake = (why: Wake | undefined): void => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", timedOut);
        queue.delete(seq);
        resolve(why);
      };
      const timedOut = (): void => wake(undefined);
      const timer = setTimeout(timedOut, Math.max(0, ms));
      signal?.addEventListener("abort", timedOut, { once: true });
      queue.set(seq, { seq, wake });
    });
  }

  #offer(wake: Wake): void {
    for (const queue of [this.#urgent, this.#waiters]) {
      const first = queue.values().next().value;
      // Later arrivals looked after the place was freed: they need no wake.
      if (first !== undefined && first.seq <= wake.upTo) {
        first.wake(wake);
        return;
      }
    }
  }
}
