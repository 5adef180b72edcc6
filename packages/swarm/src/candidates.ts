/**
 * The providers that could serve a job at all, per job shape, cached: live, serving the model (and digest),
 * fitting the prompt, within the price ceiling, payable by the strategy. A shape is rebuilt only when the
 * directory's live set changes (its `version`) or `invalidate()` is called (a payment or trust change), so a
 * pick at a thousand providers does not re-filter or re-sort them. Prompt sizes are rounded up to a power of
 * two in the shape (a run's prompts of every length share a handful of shapes); the exact prompt is checked
 * on the provider picked. Each shape's candidates are sorted by quote and cut into price tiers, each tier a
 * pair of heaps ordered by expected finish (tier-heap.ts).
 */
import type { ProviderDirectory, ProviderEntry } from "./directory.js";
import type { HealthBook, ProviderHealth } from "./health.js";
import type { PaymentJob } from "./payment.js";
import {
  capacityOf,
  type JobNeeds,
  maxInFlight,
  NO_DIGEST_FACTOR,
  offeredDigest,
  quoteMsats,
  serves,
} from "./selection.js";
import { type Holdable, Tier } from "./tier-heap.js";

export interface Candidate extends Holdable {
  entry: ProviderEntry;
  pubkey: string;
  /** The health book's record (kept by reference: it is updated in place). */
  health: ProviderHealth;
  slots: number;
  maxInFlight: number;
  /** Worst-case quote at the shape's largest prompt, msats. */
  quoteMsats: number;
  /** What the payment strategy is asked about (built once per shape, not per pick). */
  job: PaymentJob;
  /** NO_DIGEST_FACTOR when it announces no digest for the model, else 1. */
  digestFactor: number;
  /** 1 + (quote − tier's cheapest) / tier's cheapest: a small preference inside a tier. */
  priceFactor: number;
  tier: number;
  /** Other candidates of its shape (a probation cap holds only where another provider can check it). */
  peers: number;
}

export interface Shape {
  /** Every candidate, cheapest first. */
  all: Candidate[];
  /** Price tiers, cheapest first; each non-empty. */
  tiers: Array<Tier<Candidate>>;
  byPubkey: Map<string, Candidate>;
  /** The highest quote among eligible candidates, per exact prompt size (budget reservations ask per sub-call). */
  maxQuotes: Map<number, number>;
}

/** Shapes kept (least recently used dropped first). */
const MAX_SHAPES = 32;

export class CandidateCache {
  readonly #directory: ProviderDirectory;
  readonly #health: HealthBook;
  readonly #accepts: ((entry: ProviderEntry) => boolean) | undefined;
  readonly #tolerance: number;
  /** Ranks a candidate from its current state (the selector's rule). */
  readonly #rank: (candidate: Candidate) => void;
  readonly #shapes = new Map<string, { version: number; epoch: number; shape: Shape }>();
  #epoch = 0;

  constructor(
    directory: ProviderDirectory,
    health: HealthBook,
    parts: {
      accepts: ((entry: ProviderEntry) => boolean) | undefined;
      priceTolerance: number;
      rank: (candidate: Candidate) => void;
    },
  ) {
    this.#directory = directory;
    this.#health = health;
    this.#accepts = parts.accepts;
    this.#tolerance = Math.max(0, parts.priceTolerance);
    this.#rank = parts.rank;
  }

  /** Something outside the directory changed who is payable: rebuild on next use. */
  invalidate(): void {
    this.#epoch++;
  }

  get(needs: JobNeeds): Shape {
    const input = 2 ** Math.ceil(Math.log2(Math.max(1, needs.inputTokens)));
    const key = `${needs.model}\u0000${needs.digest}\u0000${input}\u0000${needs.maxTokens}\u0000${needs.maxPriceMsats}`;
    const version = this.#directory.version;
    const cached = this.#shapes.get(key);
    if (cached && cached.version === version && cached.epoch === this.#epoch) return cached.shape;
    if (cached) this.#shapes.delete(key);
    const shape = this.#build(needs, input);
    this.#shapes.set(key, { version, epoch: this.#epoch, shape });
    if (this.#shapes.size > MAX_SHAPES) this.#shapes.delete(this.#shapes.keys().next().value as string);
    return shape;
  }

  /** Every current shape's candidate for `pubkey` (a job started or ended there). */
  *of(pubkey: string): Generator<[Shape, Candidate]> {
    for (const { shape } of this.#shapes.values()) {
      const candidate = shape.byPubkey.get(pubkey);
      if (candidate) yield [shape, candidate];
    }
  }

  #build(needs: JobNeeds, input: number): Shape {
    // Admitted at the smallest prompt of the shape (the exact one is checked on the pick), priced at its largest.
    const smallest = { ...needs, inputTokens: Math.floor(input / 2) + 1 };
    const largest = { ...needs, inputTokens: input };
    const all: Candidate[] = [];
    let order = 0;
    for (const entry of this.#directory.live()) {
      if (!serves(entry, smallest)) continue;
      if (this.#accepts && !this.#accepts(entry)) continue;
      const quote = quoteMsats(entry, largest);
      all.push({
        entry,
        pubkey: entry.pubkey,
        health: this.#health.of(entry.pubkey),
        slots: capacityOf(entry).slots,
        maxInFlight: maxInFlight(entry),
        quoteMsats: quote,
        job: { quoteMsats: quote, inputTokens: input, maxTokens: needs.maxTokens, model: needs.model },
        digestFactor: offeredDigest(entry, needs.model) === undefined ? NO_DIGEST_FACTOR : 1,
        priceFactor: 1,
        tier: 0,
        rank: 0,
        score: 0,
        load: 0,
        given: 0,
        peers: 0,
        order: order++,
        pos: -1,
        held: false,
      });
    }
    all.sort((a, b) => a.quoteMsats - b.quoteMsats || a.order - b.order);
    for (const candidate of all) candidate.peers = all.length - 1;
    const groups: Candidate[][] = [];
    let floor = 0;
    for (const candidate of all) {
      if (groups.length === 0 || candidate.quoteMsats > floor * (1 + this.#tolerance)) {
        groups.push([]);
        floor = candidate.quoteMsats;
      }
      candidate.tier = groups.length - 1;
      candidate.priceFactor = 1 + (candidate.quoteMsats - floor) / Math.max(floor, 1);
      this.#rank(candidate);
      groups[groups.length - 1]?.push(candidate);
    }
    return {
      all,
      tiers: groups.map((group) => new Tier(group)),
      byPubkey: new Map(all.map((c) => [c.pubkey, c])),
      maxQuotes: new Map(),
    };
  }
}
