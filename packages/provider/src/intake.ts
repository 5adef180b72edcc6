/**
 * The node's subscriptions: job requests (p-tagged to it, or all of them when serving open requests) and
 * cancellations. They start at the saved cursor, so a restart neither misses requests nor — thanks to the
 * persisted dedupe — runs any twice.
 */
import type { RelayPool, SubscriptionHandle } from "@pylon/nostr";
import { Kind, type NostrEvent } from "@pylon/protocol";
import type { Logger } from "./log.js";

/** Requests may arrive out of `created_at` order (clients' clocks differ): re-read this far before the cursor. */
export const CURSOR_OVERLAP_SEC = 120;
/** On a first run, how far back to look for requests already waiting. */
const FIRST_RUN_LOOKBACK_SEC = 60;

export interface IntakeOptions {
  pool: RelayPool;
  pubkey: string;
  serveOpen: boolean;
  /** Newest request `created_at` handled by a previous run. */
  cursor: number | undefined;
  maxAgeSec: number;
  /** Each request, with the relay it came from first. */
  onRequest: (event: NostrEvent, relay: string) => void;
  onCancel: (event: NostrEvent) => void;
  log: Logger;
  /** Bound on waiting for stored events at start. Default 5,000 ms. */
  eoseTimeoutMs?: number;
}

/** Where to start reading: just before the cursor, but never further back than requests stay valid. */
export function intakeSince(cursor: number | undefined, maxAgeSec: number, now: number): number {
  if (cursor === undefined) return now - FIRST_RUN_LOOKBACK_SEC;
  return Math.max(cursor - CURSOR_OVERLAP_SEC, now - maxAgeSec);
}

/** Deletions naming in-flight jobs are looked for by id too, resubscribing at most this often. */
const WATCH_DEBOUNCE_MS = 250;
/** Relays cap the values in one filter list (ours: 1,000). */
const MAX_WATCHED_IDS = 500;

export class Intake {
  readonly #o: IntakeOptions;
  readonly #handles: SubscriptionHandle[] = [];
  #watched = "";
  #watchHandle: SubscriptionHandle | undefined;
  #watchTimer: NodeJS.Timeout | undefined;
  #pendingWatch: readonly string[] = [];
  #stopped = false;

  constructor(options: IntakeOptions) {
    this.#o = options;
  }

  /**
   * Opens both subscriptions. Resolves once cancellations stored on the relays have been delivered (or the
   * wait timed out), so that jobs resumed after a restart see cancellations made while the node was down.
   */
  start(): Promise<void> {
    const { pool, pubkey, serveOpen, log } = this.#o;
    const since = intakeSince(this.#o.cursor, this.#o.maxAgeSec, Math.floor(Date.now() / 1000));
    const requestFilter = serveOpen
      ? { kinds: [Kind.TextGeneration], since }
      : { kinds: [Kind.TextGeneration], "#p": [pubkey], since };
    const eoseTimeoutMs = this.#o.eoseTimeoutMs ?? 5_000;
    const onClosed =
      (what: string) => (info: { cause: string; reasons: { relay: string; reason: string }[] }) => {
        if (info.cause === "relays")
          log.error(
            `every relay refused the ${what} subscription: ${info.reasons.map((r) => r.reason).join("; ")}`,
          );
      };

    return new Promise((resolve) => {
      this.#handles.push(
        pool.subscribe(requestFilter, {
          label: "jobs",
          eoseTimeoutMs,
          onevent: (event, relay) => this.#o.onRequest(event, relay),
          onclosed: onClosed("job request"),
        }),
      );
      // Cancellations naming the request kind (`k`); those without it are found by id (watchJobs).
      this.#handles.push(
        pool.subscribe(
          { kinds: [Kind.Deletion], "#k": [String(Kind.TextGeneration)], since },
          {
            label: "cancels",
            eoseTimeoutMs,
            onevent: (event) => this.#o.onCancel(event),
            oneose: () => resolve(),
            onclosed: (info) => {
              onClosed("cancellation")(info);
              resolve();
            },
          },
        ),
      );
    });
  }

  /**
   * Also watches for deletions that name these jobs by id, for clients that leave out the `k` tag (it is
   * optional in NIP-09). Debounced: jobs come and go quickly under load. Deletions stored meanwhile are
   * delivered when the new subscription opens, so none is missed.
   */
  watchJobs(ids: readonly string[]): void {
    this.#pendingWatch = ids;
    if (this.#watchTimer || this.#stopped) return;
    this.#watchTimer = setTimeout(() => {
      this.#watchTimer = undefined;
      this.#resubscribeWatch();
    }, WATCH_DEBOUNCE_MS);
    this.#watchTimer.unref();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#watchTimer);
    this.#watchHandle?.close("node stopping");
    for (const handle of this.#handles.splice(0)) handle.close("node stopping");
  }

  #resubscribeWatch(): void {
    if (this.#stopped) return;
    const ids = [...this.#pendingWatch].slice(-MAX_WATCHED_IDS).sort();
    const key = ids.join(",");
    if (key === this.#watched) return;
    this.#watched = key;
    this.#watchHandle?.close("watched jobs changed");
    this.#watchHandle =
      ids.length === 0
        ? undefined
        : this.#o.pool.subscribe(
            { kinds: [Kind.Deletion], "#e": ids },
            { label: "job-cancels", onevent: (event) => this.#o.onCancel(event) },
          );
  }
}
