/**
 * What one client connection may do: its rate limits, the pubkeys it has authenticated (NIP-42), and the checks
 * an EVENT, REQ or AUTH must pass before the relay does any work for it. Each check returns the refusal reason
 * (the text of the OK or CLOSED answer) or what it admitted.
 */
import { performance } from "node:perf_hooks";
import { checkAuthEvent } from "./auth.js";
import type { RelayContext } from "./connection.js";
import {
  expirationOf,
  isEphemeralKind,
  KIND_CLIENT_AUTH,
  type NostrEvent,
  nowSeconds,
  parseEventShape,
  serialiseForWire,
} from "./event.js";
import { type Filter, parseFilter } from "./filter.js";
import { powDifficulty } from "./pow.js";
import { TokenBucket } from "./token-bucket.js";

export class Admission {
  readonly #authenticated = new Set<string>();
  readonly #eventBucket: TokenBucket;
  readonly #reqBucket: TokenBucket;

  constructor(private readonly ctx: RelayContext) {
    const { limits } = ctx.options;
    this.#eventBucket = new TokenBucket(limits.eventsPerSecond, limits.eventBurst, performance.now());
    this.#reqBucket = new TokenBucket(limits.reqsPerSecond, limits.reqBurst, performance.now());
  }

  /**
   * Runs every check an EVENT must pass before signature verification; returns the refusal reason, or the
   * event and whether it is already stored (then its signature need not be checked again).
   */
  event(message: unknown[]): string | { event: NostrEvent; raw: string; known: boolean } {
    const { options, store, pipeline } = this.ctx;
    const { limits } = options;
    if (message.length !== 2) return "invalid: EVENT takes exactly one event";
    if (!this.#eventBucket.take(performance.now())) {
      return `rate-limited: more than ${limits.eventsPerSecond} events per second`;
    }
    if (options.authWrite && this.#authenticated.size === 0) {
      return "auth-required: this relay only accepts events from authenticated clients";
    }
    if (pipeline.queued >= limits.maxQueuedEvents) {
      return "rate-limited: the relay is busy, try again shortly";
    }
    const shape = parseEventShape(message[1], limits.maxEventTags);
    if (!shape.ok) return `invalid: ${shape.reason}`;
    const event = shape.event;
    if (options.writers && !options.writers.has(event.pubkey)) {
      return options.writers.size === 0
        ? "restricted: this relay does not accept events"
        : "restricted: this relay only accepts events from its listed authors";
    }
    if (limits.minPowDifficulty > 0 && powDifficulty(event) < limits.minPowDifficulty) {
      return `pow: difficulty ${limits.minPowDifficulty} required`;
    }
    const raw = serialiseForWire(event);
    const size = Buffer.byteLength(raw, "utf8");
    if (size > limits.maxEventBytes)
      return `invalid: event too large (${size} bytes, limit ${limits.maxEventBytes})`;
    if (event.kind === KIND_CLIENT_AUTH)
      return "invalid: kind 22242 events belong in AUTH messages, not EVENT";
    const now = nowSeconds();
    if (event.created_at > now + limits.maxFutureSeconds) {
      return `invalid: created_at is more than ${limits.maxFutureSeconds}s in the future`;
    }
    const expiration = expirationOf(event);
    if (expiration !== null && expiration <= now) return "invalid: event has expired";
    // A stored id already proved itself: re-sends skip the signature check (the costly part).
    const known = !isEphemeralKind(event.kind) && store.has(event.id);
    return { event, raw, known };
  }

  /**
   * Runs every check a REQ must pass; returns the refusal reason or the parsed filters. `replacing`: the REQ
   * reuses an open subscription id; `open`: how many the connection has.
   */
  req(message: unknown[], replacing: boolean, open: number): string | Filter[] {
    const { options } = this.ctx;
    const { limits } = options;
    if (!this.#reqBucket.take(performance.now()))
      return `rate-limited: more than ${limits.reqsPerSecond} REQs per second`;
    if (options.authRead && this.#authenticated.size === 0) {
      return "auth-required: this relay only serves authenticated clients";
    }
    const rawFilters = message.slice(2);
    if (rawFilters.length === 0) return "invalid: REQ needs at least one filter";
    if (rawFilters.length > limits.maxFilters) {
      return `invalid: too many filters (${rawFilters.length}, limit ${limits.maxFilters})`;
    }
    const filters: Filter[] = [];
    for (const raw of rawFilters) {
      const parsed = parseFilter(raw, limits);
      if (!parsed.ok) return `invalid: ${parsed.reason}`;
      filters.push(parsed.filter);
    }
    if (!replacing && open >= limits.maxSubscriptions) {
      return `rate-limited: too many open subscriptions (limit ${limits.maxSubscriptions})`;
    }
    return filters;
  }

  /** NIP-42: checks an AUTH event against this connection's challenge and, when it passes, remembers its pubkey. */
  auth(
    candidate: unknown,
    challenge: string,
    hostHeader: string | undefined,
  ): { ok: true; pubkey: string } | { ok: false; reason: string } {
    const { options, verifier } = this.ctx;
    const shape = parseEventShape(candidate, options.limits.maxEventTags);
    if (!shape.ok) return { ok: false, reason: `invalid: ${shape.reason}` };
    if (!verifier.verify(shape.event)) return { ok: false, reason: "invalid: bad event id or signature" };
    const relayUrls = hostHeader ? [this.ctx.url, `ws://${hostHeader}`] : [this.ctx.url];
    const problem = checkAuthEvent(
      shape.event,
      challenge,
      relayUrls,
      nowSeconds(),
      options.limits.authWindowSeconds,
    );
    if (problem !== null) return { ok: false, reason: `invalid: ${problem}` };
    this.#authenticated.add(shape.event.pubkey);
    return { ok: true, pubkey: shape.event.pubkey };
  }
}
