/**
 * Cancellations on relays that drop kind-5 deletions (they delete the target but neither store nor forward
 * the deletion: @nostr-relay/core, see lab/README.md "Foreign relay"): a job whose request is no longer
 * stored is treated as cancelled, since NIP-09 says a deleted event is gone. Every CHECK_MS, the requests of
 * jobs queued or running here for at least MIN_AGE_MS are looked up by id, all in one filter (one REQ per
 * relay per check, on every relay: Pylon's relay forwards deletions, but one REQ of at most PER_CHECK ids
 * every 2 s is cheaper than knowing which relays do).
 *
 * A request counts as gone only when every relay it was seen on (the one it first came from, and any a
 * lookup found it on) has answered EOSE without it: a relay that timed out, was down or refused proves
 * nothing, and one that never held it has no say. The price of the rule: a relay that evicts a request
 * within seconds of storing it, or forwards requests it never stores, makes that job look cancelled (the buyer
 * then gets no result and asks another provider).
 */
import type { RelayPool } from "@pylon/nostr";
import type { Logger } from "./log.js";

/** How often the requests of running jobs are looked up. */
export const CHECK_MS = 2_000;
/** A job this young is not looked up: deletions of younger jobs still arrive as kind 5 where relays forward them. */
export const MIN_AGE_MS = 3_000;
/** Requests' first relays remembered until their jobs are watched (most requests are refused or unpaid). */
const ARRIVALS_KEPT = 4_096;
/** Ids per lookup (with `limit` equal to their number, within any relay's max_limit); the rest wait their turn. */
const PER_CHECK = 100;

export interface GoneRequestsOptions {
  pool: RelayPool;
  log: Logger;
  /** Called once per job whose request is gone from every relay that held it. */
  onGone: (jobId: string) => void;
  checkMs?: number;
  minAgeMs?: number;
}

interface Watched {
  since: number;
  lastChecked: number;
  /** Relays a lookup found the request on. */
  storedOn: Set<string>;
}

export class GoneRequests {
  readonly #o: GoneRequestsOptions;
  readonly #jobs = new Map<string, Watched>();
  /** Request id → the relay it came from first, for requests not yet watched. */
  readonly #arrivals = new Map<string, string>();
  #timer: NodeJS.Timeout | undefined;
  #checking = false;

  constructor(options: GoneRequestsOptions) {
    this.#o = options;
  }

  /** A request as it arrives, with the relay that sent it (the intake's subscription). */
  seenOn(requestId: string, relay: string): void {
    this.#arrivals.set(requestId, relay);
    if (this.#arrivals.size > ARRIVALS_KEPT)
      this.#arrivals.delete(this.#arrivals.keys().next().value as string);
  }

  /** The jobs queued or running now (the worker's onJobsChanged). */
  watch(ids: readonly string[]): void {
    const now = Date.now();
    const current = new Set(ids);
    for (const id of this.#jobs.keys()) if (!current.has(id)) this.#jobs.delete(id);
    for (const id of current) {
      if (this.#jobs.has(id)) continue;
      const first = this.#arrivals.get(id);
      this.#arrivals.delete(id);
      this.#jobs.set(id, {
        since: now,
        lastChecked: 0,
        storedOn: new Set(first === undefined ? [] : [first]),
      });
    }
  }

  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => void this.check(), this.#o.checkMs ?? CHECK_MS);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#jobs.clear();
    this.#arrivals.clear();
  }

  /** One lookup (skipped while the last is still out). Never rejects. */
  async check(): Promise<void> {
    if (this.#checking) return;
    const now = Date.now();
    const due = [...this.#jobs.entries()]
      .filter(([, w]) => now - w.since >= (this.#o.minAgeMs ?? MIN_AGE_MS))
      .sort(([, a], [, b]) => a.lastChecked - b.lastChecked)
      .slice(0, PER_CHECK);
    if (due.length === 0) return;
    this.#checking = true;
    try {
      const ids = due.map(([id]) => id);
      const answers = await this.#o.pool.queryEach(
        { ids, limit: ids.length },
        { timeoutMs: Math.max(500, (this.#o.checkMs ?? CHECK_MS) - 250), label: "job-check" },
      );
      for (const [id, watched] of due) {
        if (this.#jobs.get(id) !== watched) continue; // ended meanwhile
        watched.lastChecked = now;
        for (const answer of answers)
          if (answer.events.some((e) => e.id === id)) watched.storedOn.add(answer.relay);
        const heldIt = answers.filter((a) => watched.storedOn.has(a.relay));
        const gone =
          watched.storedOn.size > 0 &&
          heldIt.length === watched.storedOn.size &&
          heldIt.every((a) => a.eose && !a.events.some((e) => e.id === id));
        if (!gone) continue;
        this.#jobs.delete(id);
        this.#o.onGone(id);
      }
    } catch (error) {
      this.#o.log.warn(`looking up running jobs' requests failed: ${String(error)}`);
    } finally {
      this.#checking = false;
    }
  }
}
