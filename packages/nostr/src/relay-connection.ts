import { AbstractRelay } from "nostr-tools/abstract-relay";
import type { NostrEvent } from "nostr-tools/core";
import { type BackoffOptions, backoffDelay } from "./backoff.js";
import { describeEvent, guardMessages } from "./message-guard.js";
import { classifyRelayAnswer } from "./relay-answers.js";
import { type AuthState, RelayAuth } from "./relay-auth.js";
import { fetchRelayInfo, type RelayInformation, type RelayLimitation } from "./relay-info.js";
import { clearRelayTimers } from "./relay-internals.js";
import type { PoolHooks, PublishResult, RelayState, RelayStatus } from "./types.js";
import { verifyEvent } from "./verify.js";
import { createSocketClass } from "./websocket.js";

export interface ConnectionOptions {
  connectTimeoutMs: number;
  reconnect: BackoffOptions & {
    /** A connection that stayed up this long resets the backoff to its first step. */
    stableAfterMs: number;
  };
  /** Heartbeat period; a relay that misses one pong is dropped and reconnected. 0 disables it. */
  heartbeatMs: number;
  maxMessageBytes: number;
  hooks: PoolHooks;
  /** Secret key that answers NIP-42 AUTH challenges; without one, `auth-required:` is a plain failure. */
  signer?: Uint8Array;
  /** Bound of the NIP-11 document fetch. */
  infoTimeoutMs: number;
  /** A relay refused an event for too little proof of work and named (or not: 0) the difficulty it wants. */
  onPowRequired?: (relay: string, difficulty: number) => void;
}

/**
 * How long a write waits for the verdict on our AUTH before going out anyway: a relay that asks for AUTH it
 * does not need, and is slow to answer, must not stall every publish.
 */
export const AUTH_FIRST_MS = 1_000;

/** First wait before re-sending an event a relay refused as rate-limited; doubles per refusal. */
const RATE_LIMIT_BACKOFF = { initialDelayMs: 250, maxDelayMs: 4_000 };

/** Told about every connection coming up or going down (subscriptions use it to resubscribe). */
export interface ConnectionObserver {
  relayOpened(connection: RelayConnection, relay: AbstractRelay): void;
  relayDown(connection: RelayConnection): void;
}

/**
 * One relay URL for the lifetime of a pool: connects (once asked to), and after any drop reconnects with
 * exponential backoff and jitter until the pool closes. Each connection attempt gets a fresh nostr-tools
 * AbstractRelay with its own reconnect logic off, so no state leaks from a dead socket into the next one.
 */
export class RelayConnection {
  readonly url: string;
  readonly #options: ConnectionOptions;
  readonly #observers = new Set<ConnectionObserver>();
  readonly #openWaiters = new Set<() => void>();
  readonly #inflightPublishes = new Map<string, Promise<PublishResult>>();
  readonly #socketClass: ReturnType<typeof createSocketClass>;
  #state: RelayState = "idle";
  #relay: AbstractRelay | undefined;
  #connectTimer: ReturnType<typeof setTimeout> | undefined;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #openedAt = 0;
  #connects = 0;
  #failedAttempts = 0;
  #invalidEvents = 0;
  #droppedEvents = 0;
  #lastError: string | undefined;
  #auth: RelayAuth | undefined;
  #info: Promise<RelayInformation | undefined> | undefined;
  #infoValue: RelayInformation | undefined;
  /** A relay's `blocked:`/`restricted:` answer: no more writes to it for the pool's life. */
  #writeRefusal: string | undefined;
  /** Aborts the NIP-11 fetch when the pool closes, so it cannot hold the process open. */
  readonly #closing = new AbortController();

  constructor(url: string, options: ConnectionOptions) {
    this.url = url;
    this.#options = options;
    this.#socketClass = createSocketClass((err) => this.#recordSocketError(err), {
      maxPayload: options.maxMessageBytes,
      heartbeatMs: options.heartbeatMs,
    });
  }

  get state(): RelayState {
    return this.#state;
  }

  /** The live nostr-tools relay while the connection is open. */
  get openRelay(): AbstractRelay | undefined {
    return this.#state === "open" ? this.#relay : undefined;
  }

  status(): RelayStatus {
    const status: RelayStatus = {
      relay: this.url,
      state: this.#state,
      connects: this.#connects,
      failedAttempts: this.#failedAttempts,
      invalidEvents: this.#invalidEvents,
      droppedEvents: this.#droppedEvents,
    };
    if (this.#lastError !== undefined) status.lastError = this.#lastError;
    if (this.#writeRefusal !== undefined) status.writesRefused = this.#writeRefusal;
    if (this.#auth && this.#auth.state !== "none") status.auth = this.#auth.state;
    return status;
  }

  /** The relay's NIP-11 document, fetched once (undefined when it has none or did not answer in time). */
  info(): Promise<RelayInformation | undefined> {
    this.#info ??= fetchRelayInfo(this.url, this.#options.infoTimeoutMs, this.#closing.signal).then(
      (info) => {
        this.#infoValue = info;
        return info;
      },
    );
    return this.#info;
  }

  /** The NIP-11 limitation if the document has arrived. */
  get limitation(): RelayLimitation | undefined {
    return this.#infoValue?.limitation;
  }

  /** Why this relay takes no more writes from us, if it refused them. */
  get writeRefusal(): string | undefined {
    return this.#writeRefusal;
  }

  /** Whether this pool can answer AUTH at all. */
  get canAuthenticate(): boolean {
    return this.#options.signer !== undefined;
  }

  /**
   * Waits (until `deadline`) for the AUTH of the relay object `relay` to settle, the challenge included when
   * `awaitChallenge`; undefined when `relay` is no longer the current one.
   */
  async authSettled(
    relay: AbstractRelay,
    deadline: number,
    awaitChallenge = false,
  ): Promise<AuthState | undefined> {
    const auth = this.#auth;
    if (relay !== this.#relay || !auth) return undefined;
    const state = await auth.settled(deadline, awaitChallenge);
    return relay === this.#relay ? state : undefined;
  }

  /** Whether our AUTH on the current connection is still waiting for the relay's answer. */
  get authPending(): boolean {
    return this.#auth?.state === "pending";
  }

  /** "relay refused our AUTH: …", or why AUTH could not happen, for a refused publish or subscription. */
  authFailure(relayWords: string, state: AuthState | undefined): string {
    if (!this.canAuthenticate) {
      return `${relayWords} (the relay requires NIP-42 AUTH and this client has no key to answer it)`;
    }
    if (state === "refused") return `relay refused our AUTH: ${this.#auth?.refusal ?? "no reason given"}`;
    return `${relayWords} (the relay sent no AUTH challenge, or did not answer ours, in time)`;
  }

  addObserver(observer: ConnectionObserver): void {
    this.#observers.add(observer);
  }

  removeObserver(observer: ConnectionObserver): void {
    this.#observers.delete(observer);
  }

  /** Starts connecting if nothing has been tried yet; later calls are no-ops. */
  start(): void {
    if (this.#state === "idle") {
      void this.info();
      this.#connect();
    }
  }

  /** Resolves with the open relay, or undefined if none opened within timeoutMs (or the pool closed). */
  whenOpen(timeoutMs: number): Promise<AbstractRelay | undefined> {
    this.start();
    if (this.#state === "open" || this.#state === "closed" || timeoutMs <= 0) {
      return Promise.resolve(this.openRelay);
    }
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#openWaiters.delete(done);
        resolve(this.openRelay);
      };
      const timer = setTimeout(done, timeoutMs);
      this.#openWaiters.add(done);
    });
  }

  /**
   * Sends an event and waits for the relay's OK until `deadline` (epoch ms). A relay that is down or
   * reconnecting is waited for; if the connection drops before the OK arrives, the event is sent again on
   * the next connection (relays answer a repeat with "duplicate:", which is still ok:true).
   */
  publish(event: NostrEvent, deadline: number): Promise<PublishResult> {
    // nostr-tools tracks pending publishes by event id, so two concurrent sends of one event would clobber
    // each other's OK: share one attempt instead.
    const inflight = this.#inflightPublishes.get(event.id);
    if (inflight) return inflight;
    const attempt = this.#publishUntil(event, deadline).finally(() =>
      this.#inflightPublishes.delete(event.id),
    );
    this.#inflightPublishes.set(event.id, attempt);
    return attempt;
  }

  async #publishUntil(event: NostrEvent, deadline: number): Promise<PublishResult> {
    let authRetried = false;
    let rateLimited = 0;
    for (;;) {
      if (this.#writeRefusal !== undefined) {
        // The relay's words first, so the reason reads (and classifies) as the relay's own refusal.
        return this.#failure(`${this.#writeRefusal} (not sent again: the relay refused our writes earlier)`);
      }
      const relay = await this.whenOpen(deadline - Date.now());
      if (this.#isClosed()) return this.#failure("error: pool closed");
      if (!relay) return this.#failure(this.#notConnectedReason());
      if (relay !== this.#relay) continue; // it went down while we were resuming: wait for the next one
      // Our AUTH is on its way: let it land first, or the relay may refuse the event as auth-required.
      if (this.authPending) await this.authSettled(relay, Math.min(deadline, Date.now() + AUTH_FIRST_MS));
      if (relay !== this.#relay) continue;
      const remaining = deadline - Date.now();
      if (remaining <= 0) return this.#failure("error: timeout");
      // Read synchronously by relay.publish() when it arms its timer, so it bounds this one send.
      relay.publishTimeout = remaining;
      try {
        const reason = await relay.publish(event);
        return reason ? { relay: this.url, ok: true, reason } : { relay: this.url, ok: true };
      } catch (err) {
        if (this.#isClosed()) return this.#failure("error: pool closed");
        if (relay !== this.#relay) continue; // the connection dropped mid-publish: try the next one
        const message = err instanceof Error ? err.message : String(err);
        if (message === "publish timed out") return this.#failure("error: timeout");
        const answer = classifyRelayAnswer(message);
        switch (answer.kind) {
          case "duplicate":
            return { relay: this.url, ok: true, reason: message };
          case "rate-limited": {
            const delay = backoffDelay(rateLimited++, RATE_LIMIT_BACKOFF);
            if (Date.now() + delay >= deadline) return this.#failure(message);
            await new Promise((resolve) => setTimeout(resolve, delay));
            continue;
          }
          case "auth-required": {
            if (!this.canAuthenticate || authRetried)
              return this.#failure(this.authFailure(message, this.#auth?.state));
            authRetried = true;
            const state = await this.authSettled(relay, deadline, true);
            if (state === undefined || state === "accepted") continue; // reconnected, or authenticated: resend
            return this.#failure(this.authFailure(message, state));
          }
          case "pow":
            this.#options.onPowRequired?.(this.url, answer.difficulty);
            return this.#failure(message);
          case "refuses-writes":
            this.#writeRefusal = message;
            return this.#failure(message);
          default:
            return this.#failure(message);
        }
      }
    }
  }

  /** A method, not an inline comparison, so TypeScript does not carry the narrowing across awaits. */
  #isClosed(): boolean {
    return this.#state === "closed";
  }

  #failure(reason: string): PublishResult {
    return { relay: this.url, ok: false, reason };
  }

  #notConnectedReason(): string {
    const why = this.#lastError ? `: ${this.#lastError}` : "";
    return this.#connects === 0
      ? `error: connection failed${why}`
      : `error: timeout while reconnecting${why}`;
  }

  /** Closes the socket and every timer; the connection is unusable afterwards. */
  close(): void {
    if (this.#state === "closed") return;
    this.#state = "closed";
    this.#closing.abort();
    clearTimeout(this.#connectTimer);
    clearTimeout(this.#retryTimer);
    const relay = this.#relay;
    this.#relay = undefined;
    if (relay) {
      clearRelayTimers(relay);
      relay.close();
    }
    this.#wakeOpenWaiters();
    this.#observers.clear();
  }

  #connect(): void {
    const relay = new AbstractRelay(this.url, {
      verifyEvent: (event) => this.#verify(event),
      websocketImplementation: this.#socketClass as unknown as typeof globalThis.WebSocket,
      enableReconnect: false,
      enablePing: false, // the socket class runs its own heartbeat, which can terminate a dead link at once
    });
    relay.onnotice = (message) => this.#options.hooks.onNotice?.(this.url, message);
    guardMessages(relay, (reason, what) => {
      if (what === "event") {
        this.#invalidEvents++;
        this.#droppedEvents++;
      }
      this.#options.hooks.onMalformed?.(this.url, reason);
    });
    // Fires exactly once per relay object: on a failed attempt, on a drop, and when we close it.
    relay.onclose = () => this.#handleDown(relay);
    this.#auth?.abandon();
    this.#auth = new RelayAuth(relay, this.#options.signer, (reason) => {
      if (relay === this.#relay) this.#lastError = `relay refused our AUTH: ${reason}`;
    });
    this.#relay = relay;
    this.#state = "connecting";
    this.#connectTimer = setTimeout(() => {
      this.#lastError = `connection timed out after ${this.#options.connectTimeoutMs} ms`;
      clearRelayTimers(relay);
      relay.close();
    }, this.#options.connectTimeoutMs);
    relay.connect().then(
      // Limits shape the first REQs, so the NIP-11 document (fetched beside the handshake) comes first.
      () => this.info().then(() => this.#handleOpen(relay)),
      (err: unknown) => {
        this.#lastError ??= err instanceof Error ? err.message : String(err);
        this.#handleDown(relay);
      },
    );
  }

  #handleOpen(relay: AbstractRelay): void {
    if (relay !== this.#relay || this.#state !== "connecting") return;
    clearTimeout(this.#connectTimer);
    this.#state = "open";
    this.#openedAt = Date.now();
    this.#connects++;
    // A refusal of our AUTH can arrive before the connection counts as open; it must not be wiped.
    this.#lastError =
      this.#auth?.state === "refused" ? `relay refused our AUTH: ${this.#auth.refusal}` : undefined;
    this.#wakeOpenWaiters();
    for (const observer of [...this.#observers]) observer.relayOpened(this, relay);
  }

  #handleDown(relay: AbstractRelay): void {
    if (relay !== this.#relay || this.#state === "closed" || this.#state === "waiting") return;
    clearTimeout(this.#connectTimer);
    clearRelayTimers(relay);
    const wasOpen = this.#state === "open";
    if (wasOpen && Date.now() - this.#openedAt >= this.#options.reconnect.stableAfterMs) {
      this.#failedAttempts = 0;
    }
    if (wasOpen) this.#lastError ??= "connection closed";
    this.#relay = undefined;
    this.#auth?.abandon();
    this.#state = "waiting";
    const delay = backoffDelay(this.#failedAttempts, this.#options.reconnect);
    this.#failedAttempts++;
    this.#retryTimer = setTimeout(() => this.#connect(), delay);
    for (const observer of [...this.#observers]) observer.relayDown(this);
  }

  #verify(event: NostrEvent): boolean {
    // Events here are fresh JSON.parse output straight off the socket, so they carry no cached "verified"
    // flag; verifyEvent ignores that flag anyway and checks id and signature for real.
    if (verifyEvent(event)) return true;
    this.#invalidEvents++;
    this.#options.hooks.onMalformed?.(
      this.url,
      `an event${describeEvent(event)} whose id or signature does not verify`,
    );
    return false;
  }

  /** Called by subscriptions for every event nostr-tools rejected (bad signature or not matching filters). */
  countDroppedEvent(): void {
    this.#droppedEvents++;
  }

  #recordSocketError(err: Error): void {
    // Errors of sockets already given up on (e.g. aborting a timed-out handshake) would mask the real cause.
    if (this.#state === "connecting" || this.#state === "open") this.#lastError = err.message || String(err);
  }

  #wakeOpenWaiters(): void {
    for (const wake of [...this.#openWaiters]) wake();
  }
}
