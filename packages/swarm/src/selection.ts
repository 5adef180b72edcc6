/**
 * Which provider gets the next job. Candidates must be live, not avoided, not blocked by the reputation
 * book, serve the model (and the required model digest), fit the prompt in their context, cost no more than
 * the caller's ceiling, be payable by the payment strategy, and have room: never more of our jobs in flight
 * at one provider than it announced it can hold (slots + queue), nor, on probation, more unverified jobs than
 * the schedule allows, nor while the strategy's readiness says `mayStart: false`.
 *
 * The rule (docs/swarm.md, "Selection and load balancing"): concentrate when prices differ, spread when
 * they are equal.
 * 1. Price tiers: candidates sorted by quote; a tier holds the quotes within `priceTolerance` (10%) of its
 *    cheapest. A dearer tier gets a job only when no provider of every cheaper tier can take it now (full,
 *    avoided, capped by probation, or not payable yet).
 * 2. Within a tier the lowest score wins: expected finish (payment wait + latency × rounds of our jobs ahead
 *    in its slots ÷ its success rate) × price factor inside the tier × 1.25 without a model digest ÷ trust.
 *    A provider not heard from yet is assumed as fast as the market's median answer (1 s before any).
 * 3. Ties go to the provider with fewer of our jobs in flight: equal providers fill evenly.
 * Candidates are cached per job shape and directory version (candidates.ts), so a pick is one pass over the
 * cheapest tier with room, with no filtering, sorting or allocation.
 */
import { maxJobCostMsats, priceForModel } from "@pylon/protocol";
import type { ProviderEntry } from "./directory.js";

/** Capacity assumed for a provider that does not announce one (foreign nodes): one job at a time. */
export const DEFAULT_CAPACITY = { slots: 1, maxQueue: 0 };
/** Latency assumed before anything was observed, ms. */
export const UNKNOWN_LATENCY_MS = 1_000;

export interface JobNeeds {
  /** Model name to match (case-insensitive); any model when undefined. */
  model: string | undefined;
  inputTokens: number;
  maxTokens: number;
  /** Most one job may cost, msats; providers without a price are skipped when set. */
  maxPriceMsats: number | undefined;
  /** Only providers announcing this model digest for the model. */
  digest?: string | undefined;
  /** A spot check's job: the probation cap does not hold it back (checks are what end probation). */
  check?: boolean;
}

/** What selection asks of the reputation book (trust-keeper.ts); absent: everyone is a stranger. */
export interface SelectionTrust {
  /** Blocked by the book: never eligible. */
  blocked(pubkey: string): boolean;
  /** trustScore of its record, 0–1. */
  score(pubkey: string): number;
  /**
   * On probation with its quota of unverified jobs taken: no more for now. `peers`: other providers that
   * could serve the job (none: no check can end its probation, unless the buyer checks locally).
   */
  capped(pubkey: string, peers: number): boolean;
}

/** The digest a provider announces for the model it would serve (undefined: it announces none). */
export function offeredDigest(entry: ProviderEntry, model: string | undefined): string | undefined {
  return offerFor(entry, model)?.digest;
}

function offerFor(entry: ProviderEntry, model: string | undefined) {
  const { models } = entry.announcement;
  return model === undefined ? models[0] : models.find((o) => o.name.toLowerCase() === model.toLowerCase());
}

export function capacityOf(entry: ProviderEntry): { slots: number; maxQueue: number } {
  const capacity = entry.announcement.capacity ?? DEFAULT_CAPACITY;
  return { slots: Math.max(1, capacity.slots), maxQueue: Math.max(0, capacity.maxQueue) };
}

/** The most our jobs may hold at `entry` at once. */
export function maxInFlight(entry: ProviderEntry): number {
  const { slots, maxQueue } = capacityOf(entry);
  return slots + maxQueue;
}

/** True when `entry` can take a job with these needs at all (ignoring load and health). */
export function serves(entry: ProviderEntry, needs: JobNeeds): boolean {
  return refusal(entry, needs) === undefined;
}

/** Why `entry` cannot take a job with these needs at all, in a few words; undefined when it can. */
export function refusal(entry: ProviderEntry, needs: JobNeeds): string | undefined {
  const { announcement } = entry;
  const model = offerFor(entry, needs.model);
  if (needs.model !== undefined && !model) return `does not offer model ${needs.model}`;
  if (needs.digest !== undefined && offeredDigest(entry, needs.model) !== needs.digest)
    return `does not announce model digest ${needs.digest.slice(0, 19)}…`;
  if (model?.contextLength !== undefined && needs.inputTokens >= model.contextLength)
    return `the ${needs.inputTokens}-token prompt exceeds its ${model.contextLength}-token context window`;
  if (needs.maxPriceMsats === undefined) return undefined;
  const price = priceForModel(announcement, model?.name ?? "");
  if (!price) return "names no price (a price ceiling is set)";
  const cost = maxJobCostMsats(price, needs.inputTokens, needs.maxTokens);
  return cost <= needs.maxPriceMsats
    ? undefined
    : `costs up to ${cost} msats, above the ${needs.maxPriceMsats}-msat ceiling`;
}

/** Why none of `live` can take a job with these needs: each refusal with how many providers gave it. */
export function noneServes(
  live: readonly ProviderEntry[],
  needs: JobNeeds,
  extra?: (entry: ProviderEntry) => string | undefined,
): string {
  if (live.length === 0) return "no live provider on the relays";
  const counts = new Map<string, number>();
  for (const entry of live) {
    const reason = refusal(entry, needs) ?? extra?.(entry) ?? "busy or avoided";
    counts.set(reason, (counts.get(reason) ?? 0) + 1);
  }
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([reason, count]) => `${count} of ${live.length} live: ${reason}`)
    .join("; ");
}

/** The worst-case price of a job at `entry`, msats (0 when it names no price: it is free or asks later). */
export function quoteMsats(entry: ProviderEntry, needs: JobNeeds): number {
  const price = priceForModel(entry.announcement, needs.model ?? entry.announcement.models[0]?.name ?? "");
  return price ? maxJobCostMsats(price, needs.inputTokens, needs.maxTokens) : 0;
}

export interface Selector {
  /** The best provider for `needs`, skipping `exclude`; undefined when none has room now. */
  pick(needs: JobNeeds, exclude: ReadonlySet<string>): ProviderEntry | undefined;
  /**
   * Providers that could serve `needs` were they not full or avoided (0: waiting is pointless); at most
   * `limit` of them (whether any is: 1, without a pass over a thousand).
   */
  eligible(needs: JobNeeds, exclude: ReadonlySet<string>, limit?: number): ProviderEntry[];
  /** Why no live provider can serve `needs`, counted by reason (`extra`: a further refusal of the caller's). */
  whyNone(needs: JobNeeds, extra?: (entry: ProviderEntry) => string | undefined): string;
  /** Something the candidates depend on changed (a provider became payable or not): re-filter on next use. */
  invalidate?(): void;
  /** `pubkey`'s standing changed without a health event (its payment readiness): rank it again now. */
  rerank?(pubkey: string): void;
  /** `pubkey` alone, when it can take the job now (as `pick` would judge it): an affinity's provider. */
  choose?(needs: JobNeeds, pubkey: string): ProviderEntry | undefined;
  /** The dearest quote among providers eligible for `needs`, msats (0 when none), cached per job shape. */
  maxQuote?(needs: JobNeeds): number;
}

/** A provider announcing no digest could be serving anything under the model's name: a little less wanted. */
export const NO_DIGEST_FACTOR = 1.25;
/** Trust below this counts as this (so a distrusted but unblocked provider still gets work when alone). */
export const MIN_TRUST = 0.05;

export { createSelector, PRICE_TOLERANCE, type SelectorOptions, SPREAD_TOLERANCE } from "./selector.js";

/**
 * A candidate's score as the selector computes it, lower is better: expected finish (payment wait + latency
 * × (1 + our jobs there / slots) ÷ its success rate) × price factor (1 + (quote − cheapest) / max(cheapest, 1))
 * ÷ max(0.05, trust), × 1.25 when it announces no model digest. (The selector compares scores in steps of
 * its spread tolerance, inside a price tier: see selector.ts.)
 */
export function selectionScore(
  entry: ProviderEntry,
  needs: JobNeeds,
  latencyMs: number | undefined,
  inFlight: number,
  weights: { errorRate: number; cheapestMsats: number; trust: number; waitMs?: number },
): number {
  const { slots } = capacityOf(entry);
  const load = 1 + inFlight / slots;
  const finish =
    (weights.waitMs ?? 0) +
    ((latencyMs ?? UNKNOWN_LATENCY_MS) * load) / (1 - Math.min(0.9, weights.errorRate));
  const cheapest = Number.isFinite(weights.cheapestMsats) ? weights.cheapestMsats : 0;
  const price = 1 + (quoteMsats(entry, needs) - cheapest) / Math.max(cheapest, 1);
  const digest = offeredDigest(entry, needs.model) === undefined ? NO_DIGEST_FACTOR : 1;
  return (finish * price * digest) / Math.max(MIN_TRUST, weights.trust);
}
