/**
 * Wakes sub-calls waiting for room. Two kinds of wake:
 * - `release(provider)`: one place was freed (a job of ours ended). It wakes the longest-waiting waiter only
 *   (FIFO, so nobody starves); a waiter that cannot use the place hands the wake on with `pass`, to the next
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
  #seq = 0;

  /** Wakes every waiter. */
  notify(): void {
    const waiters = [...this.#waiters.values()];
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
    return this.#waiters.size;
  }

  /**
   * Resolves with the wake that ended the wait (a release or a notify), or undefined after `ms` or once
   * `signal` aborts (the waiter is then gone at once: no later release is lost on it).
   */
  wait(ms: number, signal?: AbortSignal): Promise<Wake | undefined> {
    return new Promise((resolve) => {
      if (signal?.aborted) {
        resolve(undefined);
        return;
      }
      const seq = ++this.#seq;
      const wake = (why: Wake | undefined): void => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", timedOut);
        this.#waiters.delete(seq);
        resolve(why);
      };
      const timedOut = (): void => wake(undefined);
      const timer = setTimeout(timedOut, Math.max(0, ms));
      signal?.addEventListener("abort", timedOut, { once: true });
      this.#waiters.set(seq, { seq, wake });
    });
  }

  #offer(wake: Wake): void {
    for (const waiter of this.#waiters.values()) {
      if (waiter.seq > wake.upTo) return; // only later arrivals left: they looked after the place was freed
      waiter.wake(wake);
      return;
    }
  }
}
