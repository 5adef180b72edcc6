import type { AbstractRelay, Subscription } from "nostr-tools/abstract-relay";
import type { NostrEvent } from "nostr-tools/core";
import type { Filter } from "nostr-tools/filter";
import { RecentIds } from "./recent-ids.js";
import { classifyRelayAnswer } from "./relay-answers.js";
import { AUTH_FIRST_MS, type ConnectionObserver, type RelayConnection } from "./relay-connection.js";
import { clearSubscriptionTimer } from "./relay-internals.js";
import { resumeFilters } from "./resume-filters.js";
import type { RelayReason } from "./types.js";

/** Which relays sent EOSE before `oneose` fired, and whether it fired because the wait timed out. */
export interface EoseInfo {
  relays: string[];
  timedOut: boolean;
}

/** How a subscription ended: closed by its owner (or its signal), refused by every relay, or pool shutdown. */
export interface ClosedInfo {
  cause: "caller" | "relays" | "pool";
  reasons: RelayReason[];
}

export interface SubscribeParams {
  /**
   * Each verified event, once per subscription however many relays send it (and across reconnects), with
   * the relay that sent it first.
   */
  onevent: (event: NostrEvent, relay: string) => void;
  /**
   * Once: when every relay that was connected (or connecting) sent EOSE, or after eoseTimeoutMs. Relays that
   * come up later still serve the subscription but are not waited for.
   */
  oneose?: (info: EoseInfo) => void;
  /** Once, last: the subscription is over. */
  onclosed?: (info: ClosedInfo) => void;
  eoseTimeoutMs?: number;
  /** Aborting closes the subscription (cause "caller"). */
  signal?: AbortSignal;
  /** Prefix of the subscription id sent to relays, for readable relay logs. */
  label?: string;
}

export interface SubscriptionHandle {
  readonly filters: readonly Filter[];
  /** True once `oneose` has fired. */
  readonly eosed: boolean;
  readonly closed: boolean;
  close(reason?: string): void;
}

export interface SubscriptionContext {
  connections: readonly RelayConnection[];
  overlapSec: number;
  dedupeCapacity: number;
  defaultEoseTimeoutMs: number;
  reportCallbackError: (err: unknown, where: string) => void;
  onEnd: (subscription: PoolSubscription) => void;
}

/** What this subscription knows about one relay. */
interface RelaySide {
  connection: RelayConnection;
  /** The REQ currently open on this relay, if any. */
  sub?: Subscription;
  /** Whether the current REQ got its EOSE (until then its events do not move the cursor). */
  eosed: boolean;
  /** Newest created_at this relay delivered in a REQ it completed: where a resubscription resumes. */
  cursor?: number;
  /** Newest created_at seen in the current REQ before its EOSE. */
  pendingCursor?: number;
  /** The relay's CLOSED reason; a relay that refused is not asked again for this subscription. */
  refusal?: string;
  /** The relay object an `auth-required:` CLOSED was answered on (once per connection). */
  authRetriedOn?: AbstractRelay;
}

// nostr-tools arms a per-REQ EOSE timer and then treats its expiry as an EOSE; this pool keeps its own timer
// and must only count real EOSEs (a timed-out REQ must not advance the cursor), so that timer never fires.
const NEVER_MS = 2_147_483_647;

/** How long a subscription waits for a relay's AUTH challenge and its verdict on our answer. */
const AUTH_WAIT_MS = 5_000;

/** Each filter's `limit` lowered to the relay's published max_limit. */
function clampLimits(filters: Filter[], published: { maxLimit?: number }): Filter[] {
  const max = published.maxLimit;
  if (max === undefined || max <= 0) return filters;
  return filters.map((f) => (f.limit !== undefined && f.limit > max ? { ...f, limit: max } : f));
}

/**
 * One subscription fanned out over every relay of a pool. It survives reconnects: whenever a relay comes
 * back, the REQ is sent again from that relay's cursor (see resumeFilters), and ids already delivered are
 * dropped, so the consumer sees every event exactly once.
 */
export class PoolSubscription implements ConnectionObserver, SubscriptionHandle {
  readonly filters: readonly Filter[];
  readonly #params: SubscribeParams;
  readonly #context: SubscriptionContext;
  readonly #sides = new Map<string, RelaySide>();
  readonly #seen: RecentIds;
  readonly #awaitingEose = new Set<string>();
  readonly #eosedRelays: string[] = [];
  #eoseFired = false;
  #eoseTimer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;
  readonly #onAbort = (): void => this.close("aborted");

  constructor(filters: readonly Filter[], params: SubscribeParams, context: SubscriptionContext) {
    this.filters = filters;
    this.#params = params;
    this.#context = context;
    this.#seen = new RecentIds(context.dedupeCapacity);
    for (const connection of context.connections) {
      this.#sides.set(connection.url, { connection, eosed: false });
    }
  }

  get eosed(): boolean {
    return this.#eoseFired;
  }

  get closed(): boolean {
    return this.#closed;
  }

  start(): void {
    const { signal } = this.#params;
    if (signal?.aborted) {
      // Report asynchronously so `onclosed` never runs before subscribe() has returned the handle.
      queueMicrotask(() => this.close("aborted"));
      return;
    }
    signal?.addEventListener("abort", this.#onAbort, { once: true });
    for (const side of this.#sides.values()) {
      const { connection } = side;
      connection.addObserver(this);
      connection.start();
      const relay = connection.openRelay;
      if (relay) {
        this.#awaitingEose.add(connection.url);
        this.#attachWhenAuthSettled(side, relay);
      } else if (connection.state === "connecting") {
        this.#awaitingEose.add(connection.url);
      }
    }
    const timeoutMs = this.#params.eoseTimeoutMs ?? this.#context.defaultEoseTimeoutMs;
    this.#eoseTimer = setTimeout(() => this.#fireEose(true), timeoutMs);
  }

  close(reason = "closed by caller"): void {
    this.#end("caller", reason);
  }

  /** Pool shutdown. */
  terminate(): void {
    this.#end("pool", "pool closed");
  }

  relayOpened(connection: RelayConnection, relay: AbstractRelay): void {
    const side = this.#sides.get(connection.url);
    if (this.#closed || !side || side.refusal !== undefined) return;
    if (!this.#eoseFired) this.#awaitingEose.add(connection.url);
    this.#attachWhenAuthSettled(side, relay);
  }

  relayDown(connection: RelayConnection): void {
    const side = this.#sides.get(connection.url);
    if (this.#closed || !side) return;
    // nostr-tools closes the dead relay's REQs right after this; forgetting `sub` makes us ignore that.
    side.sub = undefined;
    this.#awaitingEose.delete(connection.url);
    this.#maybeFireEose();
  }

  /** Our AUTH is on its way on this connection: a REQ sent now would only be refused as auth-required. */
  #attachWhenAuthSettled(side: RelaySide, relay: AbstractRelay): void {
    const { connection } = side;
    if (!connection.authPending) {
      this.#attach(side, relay);
      return;
    }
    void connection.authSettled(relay, Date.now() + AUTH_FIRST_MS).then(() => {
      if (this.#closed || side.sub || side.refusal !== undefined || connection.openRelay !== relay) return;
      this.#attach(side, relay);
    });
  }

  #attach(side: RelaySide, relay: AbstractRelay): void {
    side.eosed = false;
    side.pendingCursor = undefined;
    const published = side.connection.limitation ?? {};
    const filters = clampLimits(
      resumeFilters(this.filters, side.cursor, this.#context.overlapSec),
      published,
    );
    // Within the relay's published limits, or a clear refusal from our side instead of the relay's.
    const tooMany =
      published.maxFilters !== undefined && published.maxFilters > 0 && filters.length > published.maxFilters
        ? `too many filters for this relay (${filters.length}; its NIP-11 max_filters is ${published.maxFilters})`
        : published.maxSubscriptions !== undefined &&
            published.maxSubscriptions > 0 &&
            relay.openSubs.size >= published.maxSubscriptions
          ? `this relay allows ${published.maxSubscriptions} open subscriptions (NIP-11 max_subscriptions) and this client has that many`
          : undefined;
    if (tooMany !== undefined) {
      // Not synchronously: start() runs before subscribe() has returned the handle.
      queueMicrotask(() => {
        if (!this.#closed && side.refusal === undefined) this.#refuse(side, `not subscribed: ${tooMany}`);
      });
      return;
    }
    const label = this.#params.label?.slice(0, 40);
    const sub: Subscription = relay.subscribe(filters, {
      ...(label ? { label } : {}),
      eoseTimeout: NEVER_MS,
      // Runs on the raw message before it is parsed or verified: a repeat costs neither.
      alreadyHaveEvent: (id) => this.#alreadyHave(side, id),
      onevent: (event) => this.#receive(side, event),
      oninvalidevent: () => side.connection.countDroppedEvent(),
      oneose: () => this.#relayEose(side, sub),
      onclose: (reason) => this.#relayClosed(side, sub, reason),
    });
    side.sub = sub;
  }

  #alreadyHave(side: RelaySide, id: string): boolean {
    const createdAt = this.#seen.createdAt(id);
    if (createdAt === undefined) return false;
    this.#advanceCursor(side, createdAt);
    return true;
  }

  #receive(side: RelaySide, event: NostrEvent): void {
    if (this.#closed) return;
    this.#advanceCursor(side, event.created_at);
    // The pre-parse check keys on the id text in the raw message; this one keys on the verified id.
    if (this.#seen.has(event.id)) return;
    this.#seen.add(event.id, event.created_at);
    try {
      this.#params.onevent(event, side.connection.url);
    } catch (err) {
      this.#context.reportCallbackError(err, "onevent");
    }
  }

  #advanceCursor(side: RelaySide, createdAt: number): void {
    // A far-future created_at (bad clock, hostile author) must not push the cursor past events still to come.
    const capped = Math.min(createdAt, Math.floor(Date.now() / 1000));
    if (side.eosed) {
      if (side.cursor === undefined || capped > side.cursor) side.cursor = capped;
    } else if (side.pendingCursor === undefined || capped > side.pendingCursor) {
      // Stored events may arrive newest first: until EOSE, older ones may still be on their way, so a drop
      // now must resume from the previous cursor, not from this event.
      side.pendingCursor = capped;
    }
  }

  #relayEose(side: RelaySide, sub: Subscription): void {
    if (this.#closed || side.sub !== sub) return;
    side.eosed = true;
    if (side.pendingCursor !== undefined && (side.cursor === undefined || side.pendingCursor > side.cursor)) {
      side.cursor = side.pendingCursor;
    }
    side.pendingCursor = undefined;
    const url = side.connection.url;
    if (!this.#eoseFired && this.#awaitingEose.delete(url)) this.#eosedRelays.push(url);
    this.#maybeFireEose();
  }

  #relayClosed(side: RelaySide, sub: Subscription, reason: string): void {
    // Our own closes and dead connections have already cleared side.sub; what is left is a relay's CLOSED.
    if (this.#closed || side.sub !== sub) return;
    side.sub = undefined;
    clearSubscriptionTimer(sub);
    const answer = classifyRelayAnswer(reason);
    if (answer.kind === "rate-limited") {
      // A pause, not a refusal: relays limit REQs per second, and a reconnect re-sends every subscription
      // at once. Ask again shortly (jittered, so they do not all come back together), from the cursor.
      this.#retryLater(side);
      return;
    }
    if (answer.kind === "auth-required") {
      this.#retryAfterAuth(side, reason);
      return;
    }
    this.#refuse(side, reason || "closed by relay");
  }

  /** NIP-42: once our AUTH is accepted on this connection, ask again; otherwise the refusal says why not. */
  #retryAfterAuth(side: RelaySide, reason: string): void {
    const { connection } = side;
    const relay = connection.openRelay;
    if (relay && side.authRetriedOn === relay) {
      this.#refuse(side, `${reason} (again, after answering the relay's AUTH)`);
      return;
    }
    if (!relay || !connection.canAuthenticate) {
      this.#refuse(side, connection.authFailure(reason, undefined));
      return;
    }
    side.authRetriedOn = relay;
    void connection.authSettled(relay, Date.now() + AUTH_WAIT_MS, true).then((state) => {
      if (this.#closed || side.sub || side.refusal !== undefined) return;
      if (state === undefined) return; // reconnected meanwhile: relayOpened re-attaches
      if (state === "accepted") this.#attach(side, relay);
      else this.#refuse(side, connection.authFailure(reason, state));
    });
  }

  #refuse(side: RelaySide, reason: string): void {
    side.refusal = reason;
    this.#awaitingEose.delete(side.connection.url);
    const everyRelayRefused = [...this.#sides.values()].every((s) => s.refusal !== undefined);
    if (everyRelayRefused) this.#end("relays", "closed by relay");
    else this.#maybeFireEose();
  }

  #retryLater(side: RelaySide): void {
    const connection = side.connection;
    const relay = connection.openRelay;
    setTimeout(
      () => {
        if (this.#closed || side.sub || side.refusal !== undefined) return;
        // Only on the connection it was refused on; a reconnect re-attaches by itself (relayOpened).
        if (relay && connection.openRelay === relay) this.#attach(side, relay);
      },
      500 + Math.random() * 1_000,
    ).unref();
  }

  #maybeFireEose(): void {
    if (this.#awaitingEose.size === 0 && this.#eosedRelays.length > 0) this.#fireEose(false);
  }

  #fireEose(timedOut: boolean): void {
    if (this.#eoseFired || this.#closed) return;
    this.#eoseFired = true;
    clearTimeout(this.#eoseTimer);
    this.#awaitingEose.clear();
    try {
      this.#params.oneose?.({ relays: [...this.#eosedRelays], timedOut });
    } catch (err) {
      this.#context.reportCallbackError(err, "oneose");
    }
  }

  #end(cause: ClosedInfo["cause"], reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#eoseTimer);
    this.#params.signal?.removeEventListener("abort", this.#onAbort);
    const reasons: RelayReason[] = [];
    for (const [url, side] of this.#sides) {
      side.connection.removeObserver(this);
      const sub = side.sub;
      side.sub = undefined;
      if (sub) {
        clearSubscriptionTimer(sub);
        sub.close(reason); // sends CLOSE if the relay is connected
      }
      reasons.push({ relay: url, reason: side.refusal ?? reason });
    }
    this.#context.onEnd(this);
    try {
      this.#params.onclosed?.({ cause, reasons });
    } catch (err) {
      this.#context.reportCallbackError(err, "onclosed");
    }
  }
}
