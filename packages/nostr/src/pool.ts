import { isSignedEventShape } from "@pylon/protocol";
import type { NostrEvent } from "nostr-tools/core";
import type { Filter } from "nostr-tools/filter";
import { PublishError, RelayError } from "./errors.js";
import { EventStream, type StreamOptions } from "./event-stream.js";
import { type ConnectionOptions, RelayConnection } from "./relay-connection.js";
import { normaliseRelayUrl } from "./relay-url.js";
import { PoolSubscription, type SubscribeParams, type SubscriptionHandle } from "./subscription.js";
import type { PoolHooks, PublishResult, RelayStatus } from "./types.js";

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
}

export interface PublishOptions {
  timeoutMs?: number;
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
  readonly #connections: RelayConnection[];
  readonly #subscriptions = new Set<PoolSubscription>();
  readonly #publishTimeoutMs: number;
  readonly #connectTimeoutMs: number;
  readonly #eoseTimeoutMs: number;
  readonly #overlapSec: number;
  readonly #dedupeCapacity: number;
  readonly #reportCallbackError: (err: unknown, where: string) => void;
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
    return Promise.all(this.#connections.map((connection) => connection.publish(event, deadline)));
  }

  /**
   * Resolves with the first relay that accepted the event (the others keep going in the background), or
   * rejects with a PublishError carrying every relay's result when none did.
   */
  async publishAny(event: NostrEvent, options: PublishOptions = {}): Promise<PublishResult> {
    assertSignedEvent(event);
    const deadline = Date.now() + positive(options.timeoutMs, this.#publishTimeoutMs, "timeoutMs");
    const attempts = this.#connections.map((connection) => connection.publish(event, deadline));
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
    const subscription = new PoolSubscription(normaliseFilters(filters), params, {
      connections: this.#connections,
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
   */
  query(filters: Filter | readonly Filter[], options: QueryOptions = {}): Promise<NostrEvent[]> {
    const normalised = normaliseFilters(filters);
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
            resolve(events);
          }
        },
        onclosed: ({ cause, reasons }) => {
          if (settled) return;
          settled = true;
          if (cause === "relays" && events.length === 0) reject(new RelayError("query refused", reasons));
          else if (cause === "caller" && options.signal?.aborted) reject(options.signal.reason);
          else if (cause === "pool") reject(new Error("RelayPool closed during query"));
          else resolve(events);
        },
      };
      if (options.signal) params.signal = options.signal;
      if (options.label !== undefined) params.label = options.label;
      const handle = this.subscribe(normalised, params);
    });
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

function assertSignedEvent(event: unknown): asserts event is NostrEvent {
  if (!isSignedEventShape(event)) {
    throw new TypeError(
      "publish: expected a signed event (id, pubkey, sig as lowercase hex; kind, tags, content)",
    );
  }
}

function normaliseFilters(filters: Filter | readonly Filter[]): Filter[] {
  const list = Array.isArray(filters) ? [...filters] : [filters as Filter];
  if (list.length === 0) throw new TypeError("at least one filter is required");
  for (const filter of list) {
    if (typeof filter !== "object" || filter === null || Array.isArray(filter)) {
      throw new TypeError(`a filter must be an object, got ${JSON.stringify(filter)}`);
    }
  }
  return list;
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0)
    throw new RangeError(`${name} must be a positive number, got ${value}`);
  return value;
}

function nonNegative(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < 0)
    throw new RangeError(`${name} must be a non-negative number, got ${value}`);
  return value;
}
