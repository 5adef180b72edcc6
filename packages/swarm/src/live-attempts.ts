/**
 * The attempts under way at each provider, so that a provider caught cheating can be stopped at once: its
 * running jobs are aborted (kind-5 cancellations: a cancelled paid job costs nothing) and their sub-calls go
 * elsewhere, instead of waiting for answers the buyer would have to throw away.
 */
import type { Attempt } from "./job-attempt.js";

export class LiveAttempts {
  readonly #byProvider = new Map<string, Set<Attempt>>();

  /** Keeps `attempt` until it ends; returns it. */
  track(attempt: Attempt): Attempt {
    const pubkey = attempt.entry.pubkey;
    const live = this.#byProvider.get(pubkey) ?? new Set<Attempt>();
    this.#byProvider.set(pubkey, live);
    live.add(attempt);
    void attempt.done.finally(() => {
      live.delete(attempt);
      if (live.size === 0 && this.#byProvider.get(pubkey) === live) this.#byProvider.delete(pubkey);
    });
    return attempt;
  }

  /** Aborts every attempt under way at `pubkey`; returns how many. */
  abortAt(pubkey: string, reason: string): number {
    const live = [...(this.#byProvider.get(pubkey) ?? [])];
    for (const attempt of live) attempt.abort(reason);
    return live.length;
  }
}
