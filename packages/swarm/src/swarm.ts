/**
 * The market as an RLM SubcallBackend: `complete(requests)` sends each sub-call as a targeted NIP-90 job
 * to a provider found in the live NIP-89 directory, with load balancing, retries, hedging and SQLite run
 * state (see docs/swarm.md). Results come back in order, failures as values.
 */
import { randomUUID } from "node:crypto";
import { initFastVerify, JobClient, RelayPool, type RelayStatus } from "@pylon/nostr";
import { allWithItemSignals, type SubcallBackend } from "@pylon/rlm";
import { Affinities } from "./affinities.js";
import { BatchDispatcher, type BatchOptions, servesBatches } from "./batch-dispatch.js";
import { type DirectoryOptions, ProviderDirectory } from "./directory.js";
import { HealthBook, type HealthOptions } from "./health.js";
import { type AttemptContext, type RequestLimits, startAttempt } from "./job-attempt.js";
import { isConversation } from "./job-spec.js";
import { LiveAttempts } from "./live-attempts.js";
import { Notifier } from "./notifier.js";
import { Pacer } from "./pacer.js";
import { freeStrategy, type PaymentStrategy } from "./payment.js";
import { RunStore } from "./run-store.js";
import { createSelector, type JobNeeds } from "./selection.js";
import { createCompletion } from "./subcall-completion.js";
import { estimateInputTokens, seedOf } from "./subcall-key.js";
import type { HedgePolicy, SubcallDeps, SubcallSettings } from "./subcall-runner.js";
import { emptyCounters, type SwarmCounters } from "./swarm-counters.js";
import { batchCharsFor, freshKey } from "./swarm-parts.js";
import { SwarmTrust } from "./swarm-trust.js";
import type { TrustOptions, TrustReport } from "./trust-types.js";

export { batchCharsFor } from "./swarm-parts.js";

export interface SwarmOptions {
  /** Relays to discover providers on and send jobs through (ignored when `pool` is given). */
  relays?: string[];
  /** A pool owned by the caller (not closed by the swarm). */
  pool?: RelayPool;
  /**
   * The buyer key jobs are signed with. Default: a fresh one per swarm. Keep it (e.g. a key file) to
   * resume runs: results of jobs an interrupted run left in flight are encrypted to it.
   */
  secretKey?: Uint8Array;
  /** Who may serve, and liveness (see ProviderDirectory). */
  directory?: Omit<DirectoryOptions, "onChange">;
  /** Model asked for when a sub-call names none. Default: any provider's model. */
  model?: string;
  /** Most one job may cost, msats (the provider's announced worst case). Default: no ceiling. */
  maxPriceMsats?: number;
  /** Quotes within this share of a tier's cheapest are one price (docs/swarm.md, "Selection…"). Default 0.1. */
  priceTolerance?: number;
  /** How jobs spread over equally priced providers: "finish" (default) or "even" (SelectorOptions.spread). */
  spread?: "finish" | "even";
  payment?: PaymentStrategy;
  /** SQLite file of run state and the memo, or an open store (caller's). Default ":memory:". */
  store?: string | RunStore;
  /** The run these sub-calls belong to; resume a run by passing its id with the same store. */
  runId?: string;
  /** Answer a sub-call asked before (same model, messages and params) from the store. Default true. */
  memoise?: boolean;
  /** No feedback from a provider within this long → give up on it and re-dispatch, ms. Default 5,000. */
  ackTimeoutMs?: number;
  /**
   * Jobs started per second at most, for relays that limit events per connection. Default: no limit (replies
   * to every job arrive over one shared subscription, so jobs cost no REQs).
   */
  jobsPerSecond?: number;
  /**
   * Sub-calls for the same provider gathered into one batched request (providers that announce `maxBatch`);
   * false sends every sub-call as its own job. Default: a 2 ms window, at most 64 items and 36,000
   * characters of prompts.
   */
  batch?: Partial<Pick<BatchOptions, "windowMs" | "maxItems" | "maxChars">> | false;
  /**
   * What the write relays take at most (the smallest over them; e.g. `pool.limits()`): batches are sized to
   * fit with room for a tab deposit, and a request still over them is not sent (its sub-call fails naming
   * the limit; a deposit it carried stays the buyer's). Default: none known (batches of 36,000 characters).
   */
  limits?: RequestLimits;
  /** Whole sub-call deadline, all attempts included, ms. Default 120,000. */
  deadlineMs?: number;
  /** Failed jobs (not counting `busy`) before a sub-call fails. Default 4. */
  maxAttempts?: number;
  /** Backoff between failed attempts. Default 100 ms doubling to 2,000 ms. */
  backoff?: { initialDelayMs: number; maxDelayMs: number };
  /** Straggler duplicates; false disables. */
  hedge?: Partial<HedgePolicy> | false;
  health?: Omit<HealthOptions, "onRelease">;
  /**
   * The reputation book, spot checks and model identity (docs/swarm.md, "Trust: spot checks and selection").
   * Default: checks on, with a throwaway (":memory:") book.
   */
  trust?: TrustOptions;
}

export interface Swarm extends SubcallBackend {
  readonly runId: string;
  readonly pubkey: string;
  readonly directory: ProviderDirectory;
  readonly health: HealthBook;
  readonly store: RunStore;
  readonly counters: SwarmCounters;
  /** Which provider each affinity (e.g. a run's root turns) sticks to now. */
  readonly affinities: Affinities;
  /** Connection state of each relay (`pool.status()`): which are down, and why. */
  relayStatus(): RelayStatus[];
  /** Spot checks, their cost, and the providers caught so far. */
  trust(): TrustReport;
  close(): Promise<void>;
}

const DEFAULT_HEDGE: HedgePolicy = { quantile: 0.95, multiplier: 1.5, minMs: 500, minSamples: 10 };

/** Connects, starts the directory (waits for the relays' stored announcements) and returns the backend. */
export async function createSwarm(options: SwarmOptions): Promise<Swarm> {
  await initFastVerify();
  const ownsPool = options.pool === undefined;
  if (ownsPool && (options.relays ?? []).length === 0)
    throw new TypeError("the swarm needs relays or a pool");
  const secretKey = options.secretKey ?? freshKey();
  // The pool answers relays' AUTH with the buyer's key and signs through it (proof of work where asked).
  const pool =
    options.pool ?? new RelayPool(options.relays ?? [], { connectTimeoutMs: 5_000, signer: secretKey });
  const ownsStore = !(options.store instanceof RunStore);
  const store =
    options.store instanceof RunStore ? options.store : RunStore.open(options.store ?? ":memory:");
  // Requests and batches sized to what every write relay takes (their NIP-11 documents, or cautious defaults).
  const limits: RequestLimits = options.limits ?? (await pool.limits());
  const client = new JobClient(pool, secretKey, {
    timeoutMs: options.deadlineMs ?? 120_000,
  });
  const changed = new Notifier();
  const affinities = new Affinities();
  // Waiters look again when who is live or what they offer changed, not at every heartbeat of a thousand.
  let directorySeen = -1;
  const directory = new ProviderDirectory(pool, {
    ...options.directory,
    onChange: () => {
      if (directory.version === directorySeen) return;
      directorySeen = directory.version;
      changed.notify();
    },
  });
  // A job's end frees one place: it wakes one waiting sub-call (it hands the wake on if it cannot use it).
  const health = new HealthBook({ ...options.health, onRelease: (provider) => changed.release(provider) });
  const payment = options.payment ?? freeStrategy;
  const counters = emptyCounters();
  const runId = options.runId ?? randomUUID();
  const ackTimeoutMs = options.ackTimeoutMs ?? 5_000;
  const openedAt = Date.now();
  const lifetime = new AbortController();
  const pacer = options.jobsPerSecond === undefined ? undefined : new Pacer(options.jobsPerSecond);
  const live = new LiveAttempts();
  const trust = new SwarmTrust(options.trust, {
    directory,
    health,
    store,
    payment,
    pool,
    notify: () => everyone(),
    release: (provider) => changed.release(provider),
    rerank: (provider) => selector.rerank?.(provider),
    abortAt: (provider, reason) => live.abortAt(provider, reason),
  });
  const tiers = {
    payment,
    priceTolerance: options.priceTolerance,
    ...(options.spread ? { spread: options.spread } : {}),
  };
  const selector = createSelector(directory, health, trust.keeper, tiers);
  /** Who is payable or trusted may have changed: candidates re-filtered, every waiting sub-call looks again. */
  const everyone = (): void => {
    selector.invalidate?.();
    changed.notify();
  };
  payment.bind?.({
    // A deposit confirmed re-ranks its provider alone (a full re-filter costs ms at 1,000 providers).
    notify: (provider) => {
      if (provider !== undefined) selector.rerank?.(provider);
      changed.room();
    },
    client,
    store,
    runId,
    pool,
    secretKey,
    onRefund: (provider, msats) => trust.keeper.book.recordRefund(provider, msats),
  });

  const settings: SubcallSettings = {
    maxAttempts: options.maxAttempts ?? 4,
    backoff: options.backoff ?? { initialDelayMs: 100, maxDelayMs: 2_000 },
    hedge: options.hedge === false ? false : { ...DEFAULT_HEDGE, ...options.hedge },
  };
  /** A check's jobs are stored under their own key: a resume never takes one for the sub-call's answer. */
  const attemptContext = (hash: string, hedge: boolean, check: boolean): AttemptContext => {
    const storeKey = check ? `${hash}:check` : hash;
    return {
      client,
      payment,
      model: options.model,
      ackTimeoutMs,
      pace: () => pacer?.take() ?? Promise.resolve(),
      limits,
      seed: seedOf(hash),
      ...(options.trust?.modelDigest === undefined ? {} : { modelDigest: options.trust.modelDigest }),
      blocked: (provider) => trust.keeper.blocked(provider),
      onSent: (request, provider, itemJobId) => {
        counters.jobsSent++;
        if (check) counters.checkJobs++;
        if (itemJobId === undefined)
          store.jobSent(runId, storeKey, request.id, provider, hedge, JSON.stringify(request));
        else store.jobSent(runId, storeKey, itemJobId, provider, hedge, null);
      },
      onEnded: (jobId, result) => {
        trust.keeper.jobEnded(
          result.entry.pubkey,
          result.ok,
          result.ok ? undefined : result.failure,
          result.ok ? result.costMsats : 0,
        );
        if (jobId === undefined) return;
        if (result.ok) store.jobEnded(jobId, "answered");
        else store.jobEnded(jobId, result.failure === "aborted" ? "cancelled" : "failed", result.message);
      },
    };
  };
  const batcher =
    options.batch === false
      ? undefined
      : new BatchDispatcher({
          windowMs: options.batch?.windowMs ?? 2,
          maxItems: options.batch?.maxItems ?? 64,
          maxChars: options.batch?.maxChars ?? batchCharsFor(limits),
          onBatchSent: (request) => {
            counters.batchesSent++;
            store.batchSent(request.id, JSON.stringify(request));
          },
          group: (fn) => store.transaction(() => trust.keeper.book.transaction(fn)),
        });
  const dispatch = (check: boolean): SubcallDeps => ({
    selector,
    health,
    counters,
    settings,
    changed: (ms, signal, urgent) => changed.wait(ms, signal, urgent),
    pass: (wake, missed) => changed.pass(wake, missed),
    attempt: (hash, hedge) => attemptContext(hash, hedge, check),
    start: (ctx, spec) =>
      live.track(
        batcher && servesBatches(spec.entry) && !isConversation(spec.request) && !spec.request.stop?.length
          ? batcher.start(ctx, spec)
          : startAttempt(ctx, spec),
      ),
    // A sub-call's answer awaits its verdict (released by the completion); a check's answer does not.
    ...(check ? {} : { answered: (provider: string) => trust.keeper.awaiting(provider, 1), affinities }),
  });
  const completion = createCompletion({
    client,
    store,
    runId,
    directory,
    deps: dispatch(false),
    keeper: trust.keeper,
    check: trust.checkContext(dispatch(true)),
    model: options.model,
    maxPriceMsats: options.maxPriceMsats,
    modelDigest: options.trust?.modelDigest,
    memoise: options.memoise ?? true,
    deadlineMs: options.deadlineMs ?? 120_000,
    ackTimeoutMs,
    openedAt,
    ...(payment.budget ? { budget: () => payment.budget?.() } : {}),
  });

  try {
    await directory.start();
    await trust.readLabels();
  } catch (error) {
    trust.close();
    if (ownsStore) store.close();
    if (ownsPool) pool.close();
    throw error;
  }

  return {
    name: "swarm",
    runId,
    pubkey: client.pubkey,
    directory,
    health,
    store,
    counters,
    affinities,
    relayStatus: () => pool.status(),
    // A signal per sub-call (a shared one would collect thousands of listeners: quadratic to add to).
    complete: (requests, signal) =>
      allWithItemSignals(AbortSignal.any([signal, lifetime.signal]), requests, completion.complete),
    trust: () => trust.report(counters),
    estimateCostSats: (request) => {
      const needs: JobNeeds = {
        model: request.model ?? options.model,
        inputTokens: estimateInputTokens(request),
        maxTokens: request.maxTokens,
        maxPriceMsats: options.maxPriceMsats,
        ...(options.trust?.modelDigest === undefined ? {} : { digest: options.trust.modelDigest }),
      };
      return (selector.maxQuote?.(needs) ?? 0) / 1000;
    },
    close: async () => {
      lifetime.abort();
      await Promise.allSettled(completion.running());
      await trust.settle();
      try {
        await payment.close?.();
      } finally {
        directory.stop();
        trust.close();
        if (ownsStore) store.close();
        if (ownsPool) pool.close();
      }
    },
  };
}
