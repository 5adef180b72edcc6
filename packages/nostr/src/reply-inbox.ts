/**
 * One relay subscription for every job a buyer follows. NIP-90 providers tag their feedback and results
 * with the buyer (`["p", buyer]`), so `{kinds: [results…, 7000], "#p": [buyer]}` catches the replies
 * to all of a client's jobs, and each event is routed to its job by the `e` tag. One REQ instead of one per
 * job: relays limit REQs per second and open subscriptions per connection (ours: 50/s and 200), which a
 * market run with thousands of jobs would otherwise hit, losing replies.
 */
import { Kind, type NostrEvent } from "@pylon/protocol";
import type { RelayPool } from "./pool.js";
import { RecentIds } from "./recent-ids.js";
import type { SubscriptionHandle } from "./subscription.js";

export interface ReplyInboxOptions {
  /** Replies this much older than the subscription are not asked for (tolerates clock skew). Default 60 s. */
  lookbackSec?: number;
  /** With no job followed for this long, the subscription is closed. Default 15,000 ms. */
  idleCloseMs?: number;
}

type Handler = (event: NostrEvent) => void;

export class ReplyInbox {
  readonly #pool: RelayPool;
  readonly #buyer: string;
  readonly #lookbackSec: number;
  readonly #idleCloseMs: number;
  /** Job id → who wants its replies. */
  readonly #followers = new Map<string, Set<Handler>>();
  /** Result kinds asked for so far (the subscription is reopened when a new one is needed). */
  readonly #resultKinds = new Set<number>();
  /** A reopened subscription overlaps the old one: drop what both deliver. */
  readonly #seen = new RecentIds(8_192);
  #subscription: SubscriptionHandle | undefined;
  #idleTimer: NodeJS.Timeout | undefined;

  constructor(pool: RelayPool, buyer: string, options: ReplyInboxOptions = {}) {
    this.#pool = pool;
    this.#buyer = buyer;
    this.#lookbackSec = options.lookbackSec ?? 60;
    this.#idleCloseMs = options.idleCloseMs ?? 15_000;
  }

  /**
   * Routes replies to job `jobId` (results of `resultKind`, and feedback) to `handler` until the returned
   * function is called. The subscription is open (its REQ sent, or queued for a connecting relay) on return,
   * so a request published afterwards cannot have its replies missed.
   */
  follow(jobId: string, resultKind: number, handler: Handler): () => void {
    clearTimeout(this.#idleTimer);
    this.#idleTimer = undefined;
    let handlers = this.#followers.get(jobId);
    if (!handlers) {
      handlers = new Set();
      this.#followers.set(jobId, handlers);
    }
    handlers.add(handler);
    if (!this.#subscription || this.#subscription.closed || !this.#resultKinds.has(resultKind)) {
      this.#resultKinds.add(resultKind);
      this.#open();
    }
    return () => this.#unfollow(jobId, handler);
  }

  /** Closes the subscription now (it reopens on the next follow). */
  close(): void {
    clearTimeout(this.#idleTimer);
    this.#idleTimer = undefined;
    this.#subscription?.close("reply inbox closed");
    this.#subscription = undefined;
  }

  #open(): void {
    const previous = this.#subscription;
    const subscription = this.#pool.subscribe(
      {
        kinds: [...this.#resultKinds, Kind.JobFeedback],
        "#p": [this.#buyer],
        since: Math.floor(Date.now() / 1000) - this.#lookbackSec,
      },
      {
        label: "replies",
        onevent: (event) => this.#route(event),
        onclosed: ({ cause }) => {
          // Every relay refused it: the jobs in flight would go silent. Ask again shortly; the lookback
          // brings back what was published meanwhile.
          if (cause !== "relays" || this.#subscription !== subscription) return;
          this.#subscription = undefined;
          setTimeout(() => {
            if (this.#followers.size > 0 && !this.#subscription) this.#open();
          }, 1_000).unref();
        },
      },
    );
    this.#subscription = subscription;
    // Closed after the new one is open, so nothing falls between them.
    previous?.close("reopened with more kinds");
  }

  #route(event: NostrEvent): void {
    if (this.#seen.has(event.id)) return;
    this.#seen.add(event.id, event.created_at);
    for (const tag of event.tags) {
      if (tag[0] !== "e" || tag[1] === undefined) continue;
      const handlers = this.#followers.get(tag[1]);
      if (!handlers) continue;
      for (const handler of [...handlers]) handler(event);
      return; // a reply answers one job
    }
  }

  #unfollow(jobId: string, handler: Handler): void {
    const handlers = this.#followers.get(jobId);
    if (!handlers?.delete(handler)) return;
    if (handlers.size === 0) this.#followers.delete(jobId);
    if (this.#followers.size > 0 || this.#idleTimer) return;
    this.#idleTimer = setTimeout(() => {
      this.#idleTimer = undefined;
      if (this.#followers.size === 0) this.close();
    }, this.#idleCloseMs);
    this.#idleTimer.unref();
  }
}
