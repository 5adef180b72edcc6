/**
 * The selector: the rule of selection.ts over cached candidates (candidates.ts) kept in one heap per price
 * tier (tier-heap.ts). A candidate is re-ranked when something of its own changes (the health book reports
 * each job started, ended, answered or failed there), so a pick costs a few heap steps, not a pass over a
 * thousand providers. What changes without an event is re-checked on the candidate at the top before it is
 * chosen: the payment strategy's readiness, trust, probation, the exact prompt. A candidate where no new
 * payment may start (the opening window of tabs is full) waits in its tier's held heap: a hold is shared by
 * every candidate in that position, so a pick looks at the best held one only, and stops there while the
 * hold lasts. Without that, a pick in a full window walked every provider (at a thousand providers and ten
 * thousand waiting sub-calls, the buyer spent minutes of CPU picking and sent nothing).
 */
import { type Candidate, CandidateCache, type Shape } from "./candidates.js";
import type { ProviderDirectory, ProviderEntry } from "./directory.js";
import { errorRateOf, type HealthBook } from "./health.js";
import type { PaymentStrategy } from "./payment.js";
import {
  type JobNeeds,
  MIN_TRUST,
  noneServes,
  quoteMsats,
  type SelectionTrust,
  type Selector,
  serves,
  UNKNOWN_LATENCY_MS,
} from "./selection.js";
import { before, type Tier } from "./tier-heap.js";

/** How the selector weighs price and load (docs/swarm.md, "Selection and load balancing"). */
export interface SelectorOptions {
  /** Only providers it can pay are candidates; its `readiness` delays or holds back a candidate. */
  payment?: PaymentStrategy;
  /** Quotes within this share of a tier's cheapest count as the same price. Default 0.1 (10%). */
  priceTolerance?: number | undefined;
  /** Expected finishes are compared in steps of this share; within a step, fewer of our jobs wins. Default 0.25. */
  spreadTolerance?: number;
  /**
   * How jobs spread over a price tier (docs/swarm.md, "The even spread"). "finish" (default): the earliest
   * expected finish wins, payment wait included, so a run stays on providers whose tabs are open while
   * their answers come quicker than a new deposit. "even": among the providers of the tier with room, the
   * one sent the fewest of our jobs so far per slot wins (in steps of one per slot), then the one with the
   * fewest in flight per slot (least given, then least outstanding): each gets its share, at the price of
   * a tab at each.
   */
  spread?: "finish" | "even";
  /**
   * Latency assumed for a provider not yet heard from, ms, or "market": the market's median answer time
   * once known (UNKNOWN_LATENCY_MS before any answer). Default "market".
   */
  unknownLatencyMs?: number | "market";
}

/** The default `priceTolerance`: 10% dearer is still the same price. */
export const PRICE_TOLERANCE = 0.1;
/** The default `spreadTolerance`: finishes within a 25% step are equal, and the emptier provider wins. */
export const SPREAD_TOLERANCE = 0.25;
/**
 * The rank of a candidate holding its probation quota of unverified jobs: after every other with room, and
 * taken only by a check's job (exempt from the quota). A sub-call's pick stops at the first one it meets,
 * instead of walking a thousand strangers each at its quota.
 */
const CAPPED = Number.MAX_SAFE_INTEGER;

export function createSelector(
  directory: ProviderDirectory,
  health: HealthBook,
  trust?: SelectionTrust,
  options: SelectorOptions = {},
): Selector {
  const payment = options.payment;
  const readiness = payment?.readiness?.bind(payment);
  const prior = options.unknownLatencyMs ?? "market";
  const step = Math.log(1 + Math.max(0.001, options.spreadTolerance ?? SPREAD_TOLERANCE));
  const even = options.spread === "even";
  /** Providers ranked out as avoided, with when that ends: re-ranked once it has (it ends silently). */
  const avoided = new Map<string, number>();
  let nextExpiry = Number.POSITIVE_INFINITY;
  let now = Date.now();

  /**
   * Ranks `c` from its state now (`lenient`: as if not avoided); returns whether a new payment may start
   * there. Callers put it back in order (heap update or push): its keys change in place.
   */
  const rank = (c: Candidate, lenient = false): boolean => {
    const h = c.health;
    const isAvoided = !lenient && h.avoidUntil > now;
    c.load = even ? h.inFlight / c.slots : h.inFlight;
    c.given = even ? (h.inFlight + h.successes + h.failures) / c.slots : 0;
    if (isAvoided) {
      avoided.set(c.pubkey, h.avoidUntil);
      nextExpiry = Math.min(nextExpiry, h.avoidUntil);
    }
    let waitMs = 0;
    let mayStart = true;
    if (readiness) {
      const ready = readiness(c.entry, c.job);
      mayStart = ready.mayStart;
      waitMs = Math.max(0, ready.waitMs);
    }
    const rounds = 1 + h.inFlight / c.slots;
    const latency =
      h.latencyMs ?? (prior === "market" ? health.medianLatencyMs() : prior) ?? UNKNOWN_LATENCY_MS;
    const finish = waitMs + (latency * rounds) / (1 - Math.min(0.9, errorRateOf(h)));
    c.score = (finish * c.priceFactor * c.digestFactor) / Math.max(MIN_TRUST, trust?.score(c.pubkey) ?? 0.5);
    c.held = !mayStart;
    const full = h.inFlight >= c.maxInFlight || isAvoided;
    if (full) c.rank = Number.POSITIVE_INFINITY;
    else if (trust?.capped(c.pubkey, c.peers)) c.rank = CAPPED;
    // Even: the fewest sent there so far per slot first, in steps of one; then the fewest in flight.
    else c.rank = even ? Math.floor(c.given) : Math.floor(Math.log(Math.max(1e-9, c.score)) / step);
    return mayStart;
  };
  const cache = new CandidateCache(directory, health, {
    accepts: payment ? (entry) => payment.accepts(entry) : undefined,
    priceTolerance: options.priceTolerance ?? PRICE_TOLERANCE,
    rank,
  });
  const rerank = (pubkey: string): void => {
    now = Date.now();
    for (const [shape, c] of cache.of(pubkey)) {
      rank(c);
      shape.tiers[c.tier]?.update(c);
    }
  };
  health.watch(rerank);

  /** The pick: told to the payment strategy, whose limits count it before its prepare runs. */
  const claimed = (c: Candidate | undefined): ProviderEntry | undefined => {
    if (c) payment?.claim?.(c.entry, c.job);
    return c?.entry;
  };

  /** Avoidances end silently: re-rank those whose time is up. */
  const expire = (): void => {
    if (now < nextExpiry) return;
    nextExpiry = Number.POSITIVE_INFINITY;
    for (const [pubkey, until] of [...avoided]) {
      if (until > now) nextExpiry = Math.min(nextExpiry, until);
      else {
        avoided.delete(pubkey);
        rerank(pubkey);
      }
    }
  };

  /** Whether `c` may serve `needs` at all now (its room and payment aside). */
  const open = (c: Candidate, needs: JobNeeds, exclude: ReadonlySet<string>, peers: number): boolean =>
    !exclude.has(c.pubkey) &&
    !trust?.blocked(c.pubkey) &&
    (needs.check || !trust?.capped(c.pubkey, peers)) &&
    serves(c.entry, needs); // the shape's prompt size was rounded: check the exact one

  /** The best candidate of `tier` that can take the job now, or undefined; the tier is left whole. */
  const bestOf = (tier: Tier<Candidate>, needs: JobNeeds, exclude: ReadonlySet<string>, peers: number) => {
    const aside: Candidate[] = [];
    let found: Candidate | undefined;
    // The held heap is looked at until one of its own is found still held: the rest are held as it is.
    let skipHeld = false;
    for (
      let top = tier.peek(skipHeld);
      top !== undefined && top.rank !== Number.POSITIVE_INFINITY;
      top = tier.peek(skipHeld)
    ) {
      if (top.rank === CAPPED && !needs.check) break; // the rest are capped too (or full)
      tier.take(top);
      aside.push(top);
      if (!open(top, needs, exclude, peers)) continue;
      const wasHeld = top.held;
      if (!rank(top) || top.rank === Number.POSITIVE_INFINITY) {
        if (wasHeld && top.held) skipHeld = true; // no payment may start here yet: nor at the others held
        continue;
      }
      const next = tier.peek(skipHeld);
      if (next && before(next, top)) {
        aside.pop();
        tier.push(top); // it had grown worse unseen (payment wait, trust): look again in order
        continue;
      }
      found = top;
      break;
    }
    for (const c of aside) tier.push(c);
    return found;
  };

  const eligible = (needs: JobNeeds, exclude: ReadonlySet<string>, limit = Number.POSITIVE_INFINITY) => {
    const out: ProviderEntry[] = [];
    for (const c of cache.get(needs).all) {
      if (out.length >= limit) break;
      if (!exclude.has(c.pubkey) && !trust?.blocked(c.pubkey) && serves(c.entry, needs)) out.push(c.entry);
    }
    return out;
  };

  /** Every candidate avoided: a doubtful one beats none (a pass over all; only when nothing else can run). */
  const lastResort = (shape: Shape, needs: JobNeeds, exclude: ReadonlySet<string>, peers: number) => {
    // Fewer avoided than candidates left: one is not avoided (every avoidance is ranked in, by the health
    // book's events), so no pass is needed; this is the common case and a pass costs a thousand steps.
    if (avoided.size < shape.all.length - exclude.size) return undefined;
    const open = shape.all.filter((c) => !exclude.has(c.pubkey) && serves(c.entry, needs));
    if (open.length === 0 || open.some((c) => c.health.avoidUntil <= now)) return undefined;
    let best:
      | {
          c: Candidate;
          tier: number;
          rank: number;
          load: number;
          given: number;
          score: number;
          order: number;
        }
      | undefined;
    for (const c of open) {
      if (c.health.inFlight >= c.maxInFlight || trust?.blocked(c.pubkey)) continue;
      if (!needs.check && trust?.capped(c.pubkey, peers)) continue;
      const mayStart = rank(c, true);
      const { tier, rank: r, load, given, score, order } = c;
      const seen = { c, tier, rank: r, load, given, score, order };
      rank(c); // back to its place among the avoided
      shape.tiers[c.tier]?.update(c);
      if (!mayStart) continue;
      if (
        !best ||
        seen.tier < best.tier ||
        (seen.tier === best.tier && before({ ...seen, pos: 0 }, { ...best, pos: 0 }))
      )
        best = seen;
    }
    return best?.c;
  };

  /** `pubkey` alone, when it can take the job now (an affinity's provider), as a pick would judge it. */
  const choose = (needs: JobNeeds, pubkey: string): ProviderEntry | undefined => {
    now = Date.now();
    const shape = cache.get(needs);
    const c = shape.byPubkey.get(pubkey);
    if (!c || c.health.inFlight >= c.maxInFlight || c.health.avoidUntil > now) return undefined;
    if (trust?.blocked(pubkey) || !serves(c.entry, needs)) return undefined;
    if (!needs.check && trust?.capped(pubkey, shape.all.length - 1)) return undefined;
    const mayStart = rank(c);
    shape.tiers[c.tier]?.update(c);
    return mayStart ? claimed(c) : undefined;
  };

  /** The dearest eligible quote for `needs`, msats (0 when none): what a budget reserves for a sub-call. */
  const maxQuote = (needs: JobNeeds): number => {
    const shape = cache.get(needs);
    let max = shape.maxQuotes.get(needs.inputTokens);
    if (max === undefined) {
      max = 0;
      for (const c of shape.all)
        if (!trust?.blocked(c.pubkey) && serves(c.entry, needs))
          max = Math.max(max, quoteMsats(c.entry, needs));
      if (shape.maxQuotes.size >= 256) shape.maxQuotes.clear();
      shape.maxQuotes.set(needs.inputTokens, max);
    }
    return max;
  };

  return {
    eligible,
    choose,
    maxQuote,
    invalidate: () => cache.invalidate(),
    rerank,
    whyNone: (needs, extra) =>
      noneServes(directory.live(), needs, (entry) => {
        if (trust?.blocked(entry.pubkey)) return "blocked by the reputation book";
        if (payment && !payment.accepts(entry))
          return "takes no payment this run can make (no mint given, or another mint)";
        return extra?.(entry);
      }),
    pick: (needs, exclude) => {
      now = Date.now();
      const shape = cache.get(needs);
      expire();
      const peers = shape.all.length - 1;
      // A dearer tier only when no provider of a cheaper one can take the job now.
      for (const tier of shape.tiers) {
        const best = bestOf(tier, needs, exclude, peers);
        if (best) return claimed(best);
      }
      return avoided.size > 0 ? claimed(lastResort(shape, needs, exclude, peers)) : undefined;
    },
  };
}
