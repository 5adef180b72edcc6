/**
 * What the swarm has observed of each provider: jobs it has in flight there, latency, errors, and whether
 * it is being avoided after repeated failures. Also the market-wide latency tail that hedging uses.
 */

export interface HealthOptions {
  /** Consecutive failures that get a provider avoided. Default 2. */
  failureThreshold?: number;
  /** How long the first avoidance lasts; doubles each time it is earned again. Default 30,000 ms. */
  avoidMs?: number;
  /** How long a `busy` refusal keeps a provider off the list. Default 1,000 ms. */
  busyCooldownMs?: number;
  /** Called whenever one of our jobs ends at `provider` (one place freed there). */
  onRelease?: (provider: string) => void;
}

export interface ProviderHealth {
  inFlight: number;
  /** Most jobs ever in flight there at once. */
  peakInFlight: number;
  successes: number;
  failures: number;
  consecutiveFailures: number;
  /** Exponentially weighted mean latency of answered jobs, ms; undefined before the first answer. */
  latencyMs: number | undefined;
  /** Epoch ms until which it is not picked (avoided, or briefly after `busy`). */
  avoidUntil: number;
  /** Times it has been avoided. */
  avoidances: number;
}

const LATENCY_WINDOW = 256;
const MEDIAN_EVERY = 16;

export class HealthBook {
  readonly #options: Required<Omit<HealthOptions, "onRelease">>;
  readonly #onRelease: ((provider: string) => void) | undefined;
  readonly #byProvider = new Map<string, ProviderHealth>();
  /** Recent answered latencies, all providers, for the tail estimate (a ring of LATENCY_WINDOW). */
  readonly #recent: number[] = [];
  #next = 0;
  /** The median of #recent, recomputed every MEDIAN_EVERY answers (selection asks per pick). */
  #median: number | undefined;
  #sinceMedian = 0;
  /** #recent sorted, until the next answer (hedging asks for the tail on every look). */
  #sorted: number[] | undefined;

  /** Told of every change to a provider's record (the selector re-ranks it). */
  readonly #watchers = new Set<(provider: string) => void>();

  constructor(options: HealthOptions = {}) {
    this.#options = {
      failureThreshold: options.failureThreshold ?? 2,
      avoidMs: options.avoidMs ?? 30_000,
      busyCooldownMs: options.busyCooldownMs ?? 1_000,
    };
    this.#onRelease = options.onRelease;
  }

  of(provider: string): ProviderHealth {
    let health = this.#byProvider.get(provider);
    if (!health) {
      health = {
        inFlight: 0,
        peakInFlight: 0,
        successes: 0,
        failures: 0,
        consecutiveFailures: 0,
        latencyMs: undefined,
        avoidUntil: 0,
        avoidances: 0,
      };
      this.#byProvider.set(provider, health);
    }
    return health;
  }

  /** Calls `listener` with the provider after each change to its record; returns the unsubscribe. */
  watch(listener: (provider: string) => void): () => void {
    this.#watchers.add(listener);
    return () => this.#watchers.delete(listener);
  }

  #changed(provider: string): void {
    for (const listener of this.#watchers) listener(provider);
  }

  snapshot(): Map<string, ProviderHealth> {
    return new Map([...this.#byProvider].map(([key, value]) => [key, { ...value }]));
  }

  started(provider: string): void {
    const health = this.of(provider);
    health.inFlight++;
    health.peakInFlight = Math.max(health.peakInFlight, health.inFlight);
    this.#changed(provider);
  }

  ended(provider: string): void {
    const health = this.of(provider);
    health.inFlight = Math.max(0, health.inFlight - 1);
    this.#changed(provider);
    this.#onRelease?.(provider);
  }

  succeeded(provider: string, latencyMs: number): void {
    const health = this.of(provider);
    health.successes++;
    health.consecutiveFailures = 0;
    health.latencyMs = health.latencyMs === undefined ? latencyMs : 0.8 * health.latencyMs + 0.2 * latencyMs;
    this.#changed(provider);
    if (this.#recent.length < LATENCY_WINDOW) this.#recent.push(latencyMs);
    else this.#recent[this.#next] = latencyMs;
    this.#next = (this.#next + 1) % LATENCY_WINDOW;
    this.#sorted = undefined;
    if (++this.#sinceMedian >= MEDIAN_EVERY || this.#median === undefined) {
      this.#sinceMedian = 0;
      this.#median = this.tailLatencyMs(0.5, 1);
    }
  }

  /** The market's median answer time of late (undefined before any answer): the prior for a newcomer. */
  medianLatencyMs(): number | undefined {
    return this.#median;
  }

  /** Lost a hedge race after `elapsedMs` without answering: a lower bound on its latency (not in the tail). */
  lostRace(provider: string, elapsedMs: number): void {
    const health = this.of(provider);
    health.latencyMs = Math.max(health.latencyMs ?? 0, elapsedMs);
    this.#changed(provider);
  }

  /** A failure of the provider's making (error, no ack, timeout): counts towards avoidance. */
  failed(provider: string, now = Date.now()): void {
    const health = this.of(provider);
    health.failures++;
    health.consecutiveFailures++;
    if (health.consecutiveFailures >= this.#options.failureThreshold) {
      health.avoidUntil = now + this.#options.avoidMs * 2 ** Math.min(health.avoidances, 6);
      health.avoidances++;
      health.consecutiveFailures = 0;
    }
    this.#changed(provider);
  }

  /** It said it is full: not a fault, but do not knock again at once. */
  busy(provider: string, now = Date.now()): void {
    const health = this.of(provider);
    health.avoidUntil = Math.max(health.avoidUntil, now + this.#options.busyCooldownMs);
    this.#changed(provider);
  }

  isAvoided(provider: string, now = Date.now()): boolean {
    return this.of(provider).avoidUntil > now;
  }

  /** Wholly avoided after repeated failures (not just a busy cooldown). */
  avoidances(provider: string): number {
    return this.of(provider).avoidances;
  }

  /** The `quantile` of recent answered latencies, or undefined until `minSamples` were seen. */
  tailLatencyMs(quantile: number, minSamples: number): number | undefined {
    if (this.#recent.length < minSamples) return undefined;
    this.#sorted ??= [...this.#recent].sort((a, b) => a - b);
    const sorted = this.#sorted;
    return sorted[Math.min(sorted.length - 1, Math.floor(quantile * sorted.length))];
  }

  /** Share of failed jobs, smoothed so one early failure does not condemn a provider. */
  errorRate(provider: string): number {
    return errorRateOf(this.of(provider));
  }
}

/** HealthBook.errorRate of a record already at hand (selection's inner loop). */
export function errorRateOf(health: ProviderHealth): number {
  return (health.failures + 0.1) / (health.successes + health.failures + 1);
}
