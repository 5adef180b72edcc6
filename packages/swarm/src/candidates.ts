/**
 * The providers that could serve a job at all, per job shape, cached: live, serving the model (and digest),
 * fitting the prompt, within the price ceiling, payable by the strategy. Rebuilt only when the directory's
 * live set changes (its `version`) or `invalidate()` is called (a payment or trust change), so a pick at a
 * thousand providers does not re-filter or re-sort them. Each shape's candidates are sorted by quote and cut
 * into price tiers: a tier holds the quotes within `priceTolerance` of its cheapest.
 */
import type { ProviderDirectory, ProviderEntry } from "./directory.js";
import type { HealthBook, ProviderHealth } from "./health.js";
import type { PaymentJob } from "./payment.js";
import {
  type JobNeeds,
  maxInFlight,
  NO_DIGEST_FACTOR,
  offeredDigest,
  quoteMsats,
  serves,
} from "./selection.js";

export interface Candidate {
  entry: ProviderEntry;
  pubkey: string;
  /** The health book's record (kept by reference: it is updated in place). */
  health: ProviderHealth;
  maxInFlight: number;
  quoteMsats: number;
  /** What the payment strategy is asked about (built once per shape, not per pick). */
  job: PaymentJob;
  /** NO_DIGEST_FACTOR when it announces no digest for the model, else 1. */
  digestFactor: number;
  /** 1 + (quote − tier's cheapest) / tier's cheapest: a small preference inside a tier. */
  priceFactor: number;
}

export interface CandidateSet {
  /** Every candidate, cheapest first. */
  all: Candidate[];
  /** Price tiers, cheapest first; each non-empty. */
  tiers: Candidate[][];
}

/** Shapes kept (least recently used dropped first): prompts of many lengths each make one. */
const MAX_SHAPES = 64;

export class CandidateCache {
  readonly #directory: ProviderDirectory;
  readonly #health: HealthBook;
  readonly #accepts: ((entry: ProviderEntry) => boolean) | undefined;
  readonly #tolerance: number;
  readonly #shapes = new Map<string, { version: number; epoch: number; set: CandidateSet }>();
  #epoch = 0;

  constructor(
    directory: ProviderDirectory,
    health: HealthBook,
    accepts: ((entry: ProviderEntry) => boolean) | undefined,
    priceTolerance: number,
  ) {
    this.#directory = directory;
    this.#health = health;
    this.#accepts = accepts;
    this.#tolerance = Math.max(0, priceTolerance);
  }

  /** Something outside the directory changed who is payable: rebuild on next use. */
  invalidate(): void {
    this.#epoch++;
  }

  get(needs: JobNeeds): CandidateSet {
    const key = `${needs.model}\u0000${needs.digest}\u0000${needs.inputTokens}\u0000${needs.maxTokens}\u0000${needs.maxPriceMsats}`;
    const version = this.#directory.version;
    const cached = this.#shapes.get(key);
    if (cached) {
      this.#shapes.delete(key); // re-inserted below: most recently used last
      if (cached.version === version && cached.epoch === this.#epoch) {
        this.#shapes.set(key, cached);
        return cached.set;
      }
    }
    const set = this.#build(needs);
    this.#shapes.set(key, { version, epoch: this.#epoch, set });
    if (this.#shapes.size > MAX_SHAPES) this.#shapes.delete(this.#shapes.keys().next().value as string);
    return set;
  }

  #build(needs: JobNeeds): CandidateSet {
    const all: Candidate[] = [];
    for (const entry of this.#directory.live()) {
      if (!serves(entry, needs) || (this.#accepts && !this.#accepts(entry))) continue;
      const quote = quoteMsats(entry, needs);
      all.push({
        entry,
        pubkey: entry.pubkey,
        health: this.#health.of(entry.pubkey),
        maxInFlight: maxInFlight(entry),
        quoteMsats: quote,
        job: {
          quoteMsats: quote,
          inputTokens: needs.inputTokens,
          maxTokens: needs.maxTokens,
          model: needs.model,
        },
        digestFactor: offeredDigest(entry, needs.model) === undefined ? NO_DIGEST_FACTOR : 1,
        priceFactor: 1,
      });
    }
    all.sort((a, b) => a.quoteMsats - b.quoteMsats);
    const tiers: Candidate[][] = [];
    let tier: Candidate[] = [];
    let floor = 0;
    for (const candidate of all) {
      if (tier.length > 0 && candidate.quoteMsats > floor * (1 + this.#tolerance)) {
        tiers.push(tier);
        tier = [];
      }
      if (tier.length === 0) floor = candidate.quoteMsats;
      candidate.priceFactor = 1 + (candidate.quoteMsats - floor) / Math.max(floor, 1);
      tier.push(candidate);
    }
    if (tier.length > 0) tiers.push(tier);
    return { all, tiers };
  }
}
