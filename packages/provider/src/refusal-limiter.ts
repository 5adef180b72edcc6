/**
 * Refusals per peer, rate-limited: a buyer (or relay) that keeps sending what the node refuses gets a few
 * answers, then silence until its budget refills, and the log gets a summary instead of one line per refusal.
 * A token bucket per key (a buyer's pubkey, or a relay URL for data no verified author vouches for); the map of
 * keys is bounded, dropping the least recently used, so a flood of fresh keys costs bounded memory.
 */
import { type Logger, shortId } from "./log.js";

/** Per-peer limits on refusals and on log lines about malformed data (defaults: 10 at once, 10 a minute). */
export interface RefusalLimits {
  /** Refusals a key may get in a burst. Default 10. */
  burst?: number;
  /** Refusals per minute a key earns back. Default 10. */
  perMinute?: number;
  /** Keys remembered; the least recently used is forgotten past this. Default 10,000. */
  maxKeys?: number;
  /** How often the "suppressed" summary is logged, when anything was suppressed. Default 60,000 ms. */
  summaryEveryMs?: number;
}

interface Bucket {
  tokens: number;
  at: number;
  suppressed: number;
}

/** Keys named one by one in a summary; the rest are counted together. */
const SUMMARY_KEYS = 5;

export class RefusalLimiter {
  readonly #burst: number;
  readonly #perMs: number;
  readonly #maxKeys: number;
  readonly #log: Logger;
  readonly #buckets = new Map<string, Bucket>();
  readonly #timer: NodeJS.Timeout;

  constructor(log: Logger, limits: RefusalLimits = {}) {
    this.#log = log;
    this.#burst = limits.burst ?? 10;
    this.#perMs = (limits.perMinute ?? 10) / 60_000;
    this.#maxKeys = limits.maxKeys ?? 10_000;
    this.#timer = setInterval(() => this.summarise(), limits.summaryEveryMs ?? 60_000);
    this.#timer.unref();
  }

  /** True when `key` may be refused out loud now (and spends one token); false counts it as suppressed. */
  allow(key: string, now = Date.now()): boolean {
    let bucket = this.#buckets.get(key);
    if (bucket) {
      this.#buckets.delete(key); // re-inserted below: Map order is the LRU order
      bucket.tokens = Math.min(this.#burst, bucket.tokens + (now - bucket.at) * this.#perMs);
      bucket.at = now;
    } else {
      bucket = { tokens: this.#burst, at: now, suppressed: 0 };
      if (this.#buckets.size >= this.#maxKeys) this.#forgetOldest();
    }
    this.#buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return true;
    }
    bucket.suppressed++;
    return false;
  }

  /** Logs one line about what was suppressed since the last summary, if anything was. */
  summarise(): void {
    const counts: Array<[string, number]> = [];
    for (const [key, bucket] of this.#buckets) {
      if (bucket.suppressed === 0) continue;
      counts.push([key, bucket.suppressed]);
      bucket.suppressed = 0;
    }
    if (counts.length === 0) return;
    counts.sort((a, b) => b[1] - a[1]);
    const named = counts.slice(0, SUMMARY_KEYS).map(([key, n]) => `${n} to ${describeKey(key)}`);
    const rest = counts.slice(SUMMARY_KEYS);
    if (rest.length > 0) {
      const n = rest.reduce((sum, [, c]) => sum + c, 0);
      named.push(`${n} to ${rest.length} others`);
    }
    const total = counts.reduce((sum, [, c]) => sum + c, 0);
    this.#log.info(`suppressed ${total} refusals (over the per-peer limit): ${named.join(", ")}`);
  }

  /** Logs the last summary and stops the timer. */
  close(): void {
    clearInterval(this.#timer);
    this.summarise();
  }

  #forgetOldest(): void {
    const oldest = this.#buckets.keys().next().value;
    if (oldest === undefined) return;
    const bucket = this.#buckets.get(oldest);
    this.#buckets.delete(oldest);
    if (bucket && bucket.suppressed > 0)
      this.#log.info(`suppressed ${bucket.suppressed} refusals to ${describeKey(oldest)}`);
  }
}

/** A pubkey shortened like event ids ("busy:" keys: that buyer's busy refusals); relay URLs as they are. */
function describeKey(key: string): string {
  const busy = key.startsWith("busy:");
  const pubkey = busy ? key.slice(5) : key;
  if (!/^[0-9a-f]{64}$/.test(pubkey)) return key;
  return `buyer ${shortId(pubkey)}${busy ? " (busy)" : ""}`;
}
