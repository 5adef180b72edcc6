/**
 * RelayPool: the one set of connections everything publishes and subscribes through (see the README). One
 * job, kept whole: connections, publish, subscribe, query and signing for the relays' rules. What it checks
 * of its callers' arguments and where a publish goes are pool-args.ts; paging a capped relay is
 * paged-query.ts; one subscription across relays is subscription.ts.
 */
import type { NostrEvent } from "nostr-tools/core";
import type { Filter } from "nostr-tools/filter";
import { PublishError, RelayError } from "./errors.js";
import { EventStream, type StreamOptions } from "./event-stream.js";
import {
  DEFAULT_MAX_PAGES,
  DEFAULT_PAGE_SIZE,
  mergeNewestFirst,
  pageRelay,
  type QueryAllOptions,
  type RelayPage,
  type RelayQueryAnswer,
} from "./paged-query.js";
import {
  assertSignedEvent,
  nonNegative,
  normaliseFilters,
  positive,
  publishTargets,
  withinWindow,
} from "./pool-args.js";
import { minePowAsync, PowError } from "./pow.js";
import { type ConnectionOptions, RelayConnection } from "./relay-connection.js";
import { type RelayInformation, smallestLimits, type WriteLimits, writeLimitsOf } from "./relay-info.js";
import { normaliseRelayUrl } from "./relay-url.js";
import { type EventDraft, getPublicKey, signEvent } from "./sign.js";
import { PoolSubscription, type SubscribeParams, type SubscriptionHandle } from "./subscription.js";
import type { PoolHooks, PublishResult, RelayReason, RelayStatus } from "./types.js";

export interface RelayPoolOptions extends PoolHooks {
  /** "lazy" (default): a relay is dialled on first use. "eager": all are dialled at construction. */
  connect?: "lazy" | "eager";
  /** Per connection attempt. Default 5,000. */
  connectTimeoutMs?: number;
  /** Default bound for publish(), including any wait for a reconnect. Default 5,000. */
  publishTimeoutMs?: number;
  /** Default wait for EOSE in subscribe() and query(). Default 5,000. */
  eoseTimeoutMs?: number;
  reconnect?: {
    /** Default 500. */
    initialDelayMs?: number;
    /** Default 30,000. */
    maxDelayMs?: number;
    /** A connection that lasted this long resets the backoff. Default 10,000. */
    stableAfterMs?: number;
  };
  /** How far before a relay's cursor a resubscription starts, in seconds. Default 30. */
  resubscribeOverlapSec?: number;
  /** Event ids remembered per subscription for de-duplication. Default 4,096. */
  dedupeCapacity?: number;
  /** Ping period; a relay that misses a pong is reconnected. 0 disables. Default 30,000. */
  heartbeatMs?: number;
  /** Largest message accepted from a relay. Default 16 MiB. */
  maxMessageBytes?: number;
  /**
   * The secret key of this session: answers NIP-42 AUTH challenges (on every connection, again after each
   * reconnect) and signs in `sign()`. Without it, a relay's `auth-required:` is a failure that says so.
   */
  signer?: Uint8Array;
  /** Bound of each relay's NIP-11 document fetch. Default 3,000. */
  infoTimeoutMs?: number;
  /** Most NIP-13 proof of work `sign()` will do; past it, a PowError. Default 24. */
  maxPowDifficulty?: number;
}

export interface PublishOptions {
  timeoutMs?: number;
  /**
   * Only these of the pool's relays, by URL as the pool names them (where the recipient was heard: a request
   * sent to every relay reaches every provider listening on each). Empty, or none of them in the pool: all.
   */
  relays?: readonly string[];
}

export interface QueryOptions {
  /** How long to wait for EOSE. Defaults to the pool's eoseTimeoutMs. */
  timeoutMs?: number;
  signal?: AbortSignal;
  label?: string;
}

/**
 * The one way the rest of Pylon talks to relays: N relays behind one object, each reconnecting on its own
 * with backoff, subscriptions that survive reconnects without gaps or repeats, per-relay publish results,
 * and only verified events handed to consumers.
 */
export class RelayPool {
  readonly relays: readonly string[];
  /** The hex public key of the `signer`, when the pool has one (then `sign()` works). */
  readonly pubkey: string | undefined;
  readonly #connections: RelayConnection[];
  readonly #subscriptions = new Set<PoolSubscription>();
  readonly #publishTimeoutMs: number;
  readonly #connectTimeoutMs: number;
  readonly #eoseTimeoutMs: number;
  readonly #overlapSec: number;
  readonly #dedupeCapacity: number;
  readonly #reportCallbackError: (err: unknown, where: string) => void;
  readonly #signer: Uint8Array | undefined;
  readonly #pubkey: string | undefined;
  readonly #maxPow: number;
  /** Difficulty relays asked for in `pow:` refusals, per relay (their NIP-11 may say less, or nothing). */
  readonly #learnedPow = new Map<string, number>();
  #closed = false;

  constructor(relayUrls: readonly string[], options: RelayPoolOptions = {}) {
    if (!Array.isArray(relayUrls) || relayUrls.length === 0) {
      throw new TypeError("RelayPool needs at least one relay URL");
    }
    this.relays = [...new Set(relayUrls.map(normaliseRelayUrl))];
    this.#publishTimeoutMs = positive(options.publishTimeoutMs, 5_000, "publishTimeoutMs");
    this.#eoseTimeoutMs = positive(options.eoseTimeoutMs, 5_000, "eoseTimeoutMs");
    this.#overlapSec = nonNegative(options.resubscribeOverlapSec, 30, "resubscribeOverlapSec");
    this.#dedupeCapacity = positive(options.dedupeCapacity, 4_096, "dedupeCapacity");
    this.#reportCallbackError =
      options.onCallbackError ??
      ((err, where) => console.error(`[@pylon/nostr] ${where} callback threw:`, err));
    this.#connectTimeoutMs = positive(options.connectTimeoutMs, 5_000, "connectTimeoutMs");
    const initialDelayMs = positive(options.reconnect?.initialDelayMs, 500, "reconnect.initialDelayMs");
    this.pubkey = options.signer === undefined ? undefined : getPublicKey(options.signer); // validates it
    this.#pubkey = this.pubkey;
    this.#signer = options.signer;
    this.#maxPow = nonNegative(options.maxPowDifficulty, 24, "maxPowDifficulty");
    const connectionOptions: ConnectionOptions = {
      connectTimeoutMs: this.#connectTimeoutMs,
      reconnect: {
        initialDelayMs,
        maxDelayMs: Math.max(
          initialDelayMs,
          positive(options.reconnect?.maxDelayMs, 30_000, "reconnect.maxDelayMs"),
        ),
        stableAfterMs: nonNegative(options.reconnect?.stableAfterMs, 10_000, "reconnect.stableAfterMs"),
      },
      heartbeatMs: nonNegative(options.heartbeatMs, 30_000, "heartbeatMs"),
      maxMessageBytes: positive(options.maxMessageBytes, 16 * 1024 * 1024, "maxMessageBytes"),
      hooks: {
        ...(options.onNotice ? { onNotice: options.onNotice } : {}),
        ...(options.onMalformed ? { onMalformed: options.onMalformed } : {}),
      },
      ...(options.signer ? { signer: options.signer } : {}),
      infoTimeoutMs: positive(options.infoTimeoutMs, 3_000, "infoTimeoutMs"),
      onPowRequired: (relay, difficulty) => {
        // A `pow:` refusal naming no number teaches nothing; the caller still gets the relay's words.
        const known = this.#learnedPow.get(relay) ?? 0;
        this.#learnedPow.set(relay, Math.max(known, difficulty));
      },
    };
    this.#connections = this.relays.map((url) => new RelayConnection(url, connectionOptions));
    if (options.connect === "eager") for (const connection of this.#connections) connection.start();
  }

  /** Dials every relay and resolves, within timeoutMs (default connectTimeoutMs), with the URLs that are open. */
  async connect(options: { timeoutMs?: number } = {}): Promise<string[]> {
    const timeoutMs = positive(options.timeoutMs, this.#connectTimeoutMs, "timeoutMs");
    const opened = await Promise.all(this.#connections.map((c) => c.whenOpen(timeoutMs)));
    return this.relays.filter((_, i) => opened[i] !== undefined);
  }

  /**
   * Sends a signed event to every relay. Resolves (never rejects for relay trouble) with one result per relay:
   * the relay's OK, or ok:false with "error: timeout", "error: connection failed: …", and so on.
   */
  async publish(event: NostrEvent, options: PublishOptions = {}): Promise<PublishResult[]> {
    assertSignedEvent(event);
    const deadline = Date.now() + positive(options.timeoutMs, this.#publishTimeoutMs, "timeoutMs");
    return Promise.all(
      publishTargets(this.#connections, options.relays).map((connection) =>
        connection.publish(event, deadline),
      ),
    );
  }

  /**
   * Resolves with the first relay that accepted the event (the others keep going in the background), or
   * rejects with a PublishError carrying every relay's result when none did.
   */
  async publishAny(event: NostrEvent, options: PublishOptions = {}): Promise<PublishResult> {
    assertSignedEvent(event);
    const deadline = Date.now() + positive(options.timeoutMs, this.#publishTimeoutMs, "timeoutMs");
    const attempts = publishTargets(this.#connections, options.relays).map((connection) =>
      connection.publish(event, deadline),
    );
    return new Promise((resolve, reject) => {
      const failures: PublishResult[] = [];
      for (const attempt of attempts) {
        void attempt.then((result) => {
          if (result.ok) resolve(result);
          else if (failures.push(result) === attempts.length) reject(new PublishError(failures));
        });
      }
    });
  }

  /** Subscribes on every relay; see SubscribeParams for the callbacks' exact guarantees. */
  subscribe(filters: Filter | readonly Filter[], params: SubscribeParams): SubscriptionHandle {
    if (this.#closed) throw new Error("RelayPool is closed");
    if (typeof params?.onevent !== "function")
      throw new TypeError("subscribe: params.onevent must be a function");
    return this.#subscribeOn(this.#connections, normaliseFilters(filters), params);
  }

  #subscribeOn(
    connections: readonly RelayConnection[],
    filters: Filter[],
    params: SubscribeParams,
  ): SubscriptionHandle {
    if (this.#closed) throw new Error("RelayPool is closed");
    const subscription = new PoolSubscription(filters, params, {
      connections,
      overlapSec: this.#overlapSec,
      dedupeCapacity: this.#dedupeCapacity,
      defaultEoseTimeoutMs: this.#eoseTimeoutMs,
      reportCallbackError: this.#reportCallbackError,
      onEnd: (ended) => this.#subscriptions.delete(ended),
    });
    this.#subscriptions.add(subscription);
    subscription.start();
    return subscription;
  }

  /** A subscription as an async iterator that ends on close(), abort, `break`, or pool shutdown. */
  stream(filters: Filter | readonly Filter[], options: StreamOptions = {}): EventStream {
    const normalised = normaliseFilters(filters);
    return new EventStream((params) => this.subscribe(normalised, params), options);
  }

  /**
   * Stored events matching the filters, collected until EOSE from every connected relay (or the timeout).
   * Rejects with a RelayError if no relay answered at all, or every relay refused the subscription.
   * Relays cap what one query returns (NIP-11 max_limit; often 100 without a `limit`): to read everything
   * that matches, use queryAll.
   */
  query(filters: Filter | readonly Filter[], options: QueryOptions = {}): Promise<NostrEvent[]> {
    return this.#query(this.#connections, normaliseFilters(filters), options).then(({ events }) => events);
  }

  /**
   * Every stored event matching the filters, however many: each relay is read on its own, page by page
   * backwards in time (`until` the oldest event of the page before; see paged-query.ts), with pages of its
   * NIP-11 max_limit or `pageSize`. Events come back once each, newest first. A relay that stops short (no
   * EOSE, or a bound reached) is reported to `onIncomplete` and what it sent is kept; rejects with a
   * RelayError only when no relay completed any page.
   */
  async queryAll(filters: Filter | readonly Filter[], options: QueryAllOptions = {}): Promise<NostrEvent[]> {
    const normalised = normaliseFilters(filters);
    const deadline = Date.now() + positive(options.timeoutMs, 30_000, "timeoutMs");
    const pageTimeoutMs = positive(options.pageTimeoutMs, this.#eoseTimeoutMs, "pageTimeoutMs");
    const fallbackSize = positive(options.pageSize, DEFAULT_PAGE_SIZE, "pageSize");
    const maxPages = positive(options.maxPages, DEFAULT_MAX_PAGES, "maxPages");
    const reasons: RelayReason[] = [];
    let answered = 0;
    const perRelay = await Promise.all(
      this.#connections.map(async (connection) => {
        const published = (await connection.info())?.limitation.maxLimit;
        const pageSize = published !== undefined && published > 0 ? published : fallbackSize;
        const read = await pageRelay(normalised, { pageSize, maxPages, deadline }, async (filter, left) => {
          const page = await this.#queryOne(connection, [filter], {
            ...options,
            timeoutMs: Math.min(pageTimeoutMs, left),
          });
          if (page.eose) answered++;
          return page;
        });
        try {
          options.onEvents?.(connection.url, read.events);
        } catch (err) {
          this.#reportCallbackError(err, "onEvents");
        }
        if (read.incomplete !== undefined) {
          const info = { relay: connection.url, reason: read.incomplete };
          reasons.push(info);
          try {
            options.onIncomplete?.(info);
          } catch (err) {
            this.#reportCallbackError(err, "onIncomplete");
          }
        }
        return read.events;
      }),
    );
    if (options.signal?.aborted) throw options.signal.reason;
    const events = mergeNewestFirst(perRelay);
    if (answered === 0 && events.length === 0) throw new RelayError("queryAll: no relay answered", reasons);
    return events;
  }

  /**
   * Each relay's own answer to one query: the events it sent and whether it ended them with EOSE (a relay
   * that timed out, was down or refused says so in `reason`). For reads that must tell "this relay has no
   * such event" from "this relay did not answer", e.g. whether a request is still stored anywhere.
   */
  queryEach(filters: Filter | readonly Filter[], options: QueryOptions = {}): Promise<RelayQueryAnswer[]> {
    const normalised = normaliseFilters(filters);
    return Promise.all(
      this.#connections.map(async (connection) => ({
        relay: connection.url,
        ...(await this.#queryOne(connection, normalised, options)),
      })),
    );
  }

  /** One relay's answer; never rejects but for the caller's abort. */
  async #queryOne(connection: RelayConnection, filters: Filter[], options: QueryOptions): Promise<RelayPage> {
    try {
      const { events, eosed } = await this.#query([connection], filters, options);
      return eosed.length > 0 ? { events, eose: true } : { events, eose: false, reason: "timed out" };
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason;
      const reason = error instanceof RelayError ? error.message : String(error);
      return { events: [], eose: false, reason };
    }
  }

  #query(
    connections: readonly RelayConnection[],
    filters: Filter[],
    options: QueryOptions,
  ): Promise<{ events: NostrEvent[]; eosed: string[] }> {
    const timeoutMs = positive(options.timeoutMs, this.#eoseTimeoutMs, "timeoutMs");
    return new Promise((resolve, reject) => {
      const events: NostrEvent[] = [];
      let settled = false;
      const params: SubscribeParams = {
        eoseTimeoutMs: timeoutMs,
        onevent: (event) => events.push(event),
        oneose: ({ relays }) => {
          settled = true;
          handle.close("query complete");
          if (relays.length === 0 && events.length === 0) {
            reject(new RelayError(`query: no relay answered within ${timeoutMs} ms`, this.#downReasons()));
          } else {
            resolve({ events, eosed: relays });
          }
        },
        onclosed: ({ cause, reasons }) => {
          if (settled) return;
          settled = true;
          if (cause === "relays" && events.length === 0) reject(new RelayError("query refused", reasons));
          else if (cause === "caller" && options.signal?.aborted) reject(options.signal.reason);
          else if (cause === "pool") reject(new Error("RelayPool closed during query"));
          else resolve({ events, eosed: [] });
        },
      };
      if (options.signal) params.signal = options.signal;
      if (options.label !== undefined) params.label = options.label;
      const handle = this.#subscribeOn(connections, filters, params);
    });
  }

  /** A relay's NIP-11 document (fetched once per pool); undefined when it has none or is not in this pool. */
  async relayInfo(url: string): Promise<RelayInformation | undefined> {
    const wanted = normaliseRelayUrl(url);
    return this.#connections.find((c) => c.url === wanted)?.info();
  }

  /**
   * What every relay this pool still writes to will accept: the smallest of their NIP-11 limits (conservative
   * defaults for a relay that publishes none; see DEFAULT_WRITE_LIMITS), proof of work raised to what any of
   * them asked for in a `pow:` refusal. Relays that refused our writes (`blocked:`/`restricted:`) are left out.
   */
  async limits(): Promise<WriteLimits> {
    const writable = this.#connections.filter((c) => c.writeRefusal === undefined);
    const infos = await Promise.all(writable.map((c) => c.info()));
    const limits = smallestLimits(
      infos.map((info, i) => {
        const own = writeLimitsOf(info);
        const learned = this.#learnedPow.get((writable[i] as RelayConnection).url) ?? 0;
        return { ...own, minPowDifficulty: Math.max(own.minPowDifficulty, learned) };
      }),
    );
    return limits;
  }

  /**
   * Signs a draft with the pool's key so that every write relay takes it: NIP-13 proof of work mined to the
   * largest difficulty they require (off the main thread when large), `created_at` moved inside their window.
   * Throws PowError past `maxPowDifficulty`, and a TypeError when the pool has no signer.
   */
  async sign(draft: EventDraft): Promise<NostrEvent> {
    const key = this.#signer;
    const pubkey = this.#pubkey;
    if (!key || !pubkey)
      throw new TypeError("RelayPool.sign needs the pool's `signer` option (a secret key)");
    const limits = await this.limits();
    const difficulty = limits.minPowDifficulty;
    if (difficulty > this.#maxPow) throw new PowError(difficulty, this.#maxPow);
    const created_at = withinWindow(draft.created_at, limits);
    const mined = await minePowAsync(
      { pubkey, created_at, kind: draft.kind, tags: draft.tags, content: draft.content },
      difficulty,
    );
    return signEvent({ kind: mined.kind, tags: mined.tags, content: mined.content, created_at }, key);
  }

  /** Connection state and counters of every relay. */
  status(): RelayStatus[] {
    return this.#connections.map((connection) => connection.status());
  }

  /** Ends every subscription (cause "pool") and closes every socket and timer. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const subscription of [...this.#subscriptions]) subscription.terminate();
    for (const connection of this.#connections) connection.close();
  }

  #downReasons(): { relay: string; reason: string }[] {
    return this.#connections
      .filter((c) => c.state !== "open")
      .map((c) => ({ relay: c.url, reason: c.status().lastError ?? c.state }));
  }
}
