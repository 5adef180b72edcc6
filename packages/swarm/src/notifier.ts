/**
 * Wakes sub-calls waiting for room. Three kinds of wake:
 * - `release(provider)`: one place was freed (a job of ours ended). It wakes the longest-waiting waiter only
 *   (FIFO, so nobody starves; `urgent` waiters first: a straggler's hedge bounds the tail); a waiter that
 *   cannot use the place hands the wake on with `pass`, to the next one that was already waiting when the
 *   place was freed (so a wake visits each waiter at most once and never circles). Waking everyone on each
 *   job end made dispatch O(jobs × waiters × providers).
 * - `room()`: places may have opened, how many unknown (a tab became usable, the window of tabs being opened
 *   grew). It wakes the first waiter; each one that started a job hands it on, so it runs down the line
 *   while there is room, and it ends after MAX_MISSES waiters in a row found nothing (the rest would not
 *   either: with ten thousand waiting sub-calls, waking them all at each tab opened cost minutes of CPU).
 * - `notify()`: something that may help anyone changed (the directory, a provider caught): every waiter
 *   wakes and looks again.
 * Waiters re-check, so a spurious wake costs one pick; the `ms` bound of `wait` catches silent changes
 * (avoidances and cooldowns expiring) and a chain that ended early.
 */

/** Waiters in a row that may find nothing before a `room()` wake ends. */
export const MAX_MISSES = 8;

/** Why a waiter woke: a freed place or room (hand it on with `pass`), or a broadcast. */
export interface Wake {
  /** The provider whose place was freed; undefined: room somewhere, or a broadcast. */
  provider: string | undefined;
  /** Waiters registered up to this number may still be offered this wake; -1: a broadcast. */
  readonly upTo: number;
  /** Waiters in a row it woke that started no job. */
  readonly misses: number;
}

const BROADCAST: Wake = { provider: undefined, upTo: -1, misses: 0 };

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
    this.#offer({ provider, upTo: this.#seq, misses: 0 });
  }

  /** Room may have opened, how much unknown: wakes waiters one after another while they find some. */
  room(): void {
    this.#offer({ provider: undefined, upTo: this.#seq, misses: 0 });
  }

  /**
   * A waiter woken by `wake` did not take its place (`missed`: it started no job; undefined: it did not
   * look): offers it to the next one that was waiting before it.
   */
  pass(wake: Wake, missed?: boolean): void {
    if (wake.upTo < 0) return; // a broadcast woke everyone already
    const misses = missed === undefined ? wake.misses : missed ? wake.misses + 1 : 0;
    if (misses >= MAX_MISSES) return;
    this.#offer({ ...wake, misses });
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
