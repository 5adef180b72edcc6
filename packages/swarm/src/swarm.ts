/**
 * The market as an RLM SubcallBackend: `complete(requests)` sends each sub-call as a targeted NIP-90 job
 * to a provider found in the live NIP-89 directory, with load balancing, retries, hedging and SQLite run
 * state (see docs/swarm.md). Results come back in order, failures as values.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { initFastVerify, JobClient, RelayPool, type RelayStatus } from "@pylon/nostr";
import { allWithItemSignals, type SubcallBackend, type SubcallRequest, type SubcallResult } from "@pylon/rlm";
import { BatchDispatcher, type BatchOptions, servesBatches } from "./batch-dispatch.js";
import { type DirectoryOptions, ProviderDirectory } from "./directory.js";
import { HealthBook, type HealthOptions } from "./health.js";
import { type AttemptContext, type RequestLimits, startAttempt } from "./job-attempt.js";
import { Notifier } from "./notifier.js";
import { Pacer } from "./pacer.js";
import { freeStrategy, type PaymentStrategy } from "./payment.js";
import { recoverAnswer } from "./recover.js";
import { type MemoisedResult, RunStore } from "./run-store.js";
import { createSelector, type JobNeeds, quoteMsats, type Selector } from "./selection.js";
import { estimateInputTokens, subcallKey } from "./subcall-key.js";
import { type HedgePolicy, runSubcall, type SubcallDeps, type SubcallSettings } from "./subcall-runner.js";
import { emptyCounters, type SwarmCounters } from "./swarm-counters.js";

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
}

export interface Swarm extends SubcallBackend {
  readonly runId: string;
  readonly pubkey: string;
  readonly directory: ProviderDirectory;
  readonly health: HealthBook;
  readonly store: RunStore;
  readonly counters: SwarmCounters;
  /** Connection state of each relay (`pool.status()`): which are down, and why. */
  relayStatus(): RelayStatus[];
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
  const directory = new ProviderDirectory(pool, { ...options.directory, onChange: () => changed.notify() });
  const health = new HealthBook({ ...options.health, onRelease: () => changed.notify() });
  const payment = options.payment ?? freeStrategy;
  const selector = paymentAware(createSelector(directory, health), payment);
  const counters = emptyCounters();
  const runId = options.runId ?? randomUUID();
  payment.bind?.({ client, store, runId, pool, secretKey });
  const memoise = options.memoise ?? true;
  const deadlineMs = options.deadlineMs ?? 120_000;
  const ackTimeoutMs = options.ackTimeoutMs ?? 5_000;
  const openedAt = Date.now();
  const lifetime = new AbortController();
  const pacer = options.jobsPerSecond === undefined ? undefined : new Pacer(options.jobsPerSecond);
  const inFlight = new Map<string, Promise<SubcallResult>>();

  const settings: SubcallSettings = {
    maxAttempts: options.maxAttempts ?? 4,
    backoff: options.backoff ?? { initialDelayMs: 100, maxDelayMs: 2_000 },
    hedge: options.hedge === false ? false : { ...DEFAULT_HEDGE, ...options.hedge },
  };
  const attemptContext = (hash: string, hedge: boolean): AttemptContext => ({
    client,
    payment,
    model: options.model,
    ackTimeoutMs,
    pace: () => pacer?.take() ?? Promise.resolve(),
    limits,
    onSent: (request, provider, itemJobId) => {
      counters.jobsSent++;
      if (itemJobId === undefined)
        store.jobSent(runId, hash, request.id, provider, hedge, JSON.stringify(request));
      else store.jobSent(runId, hash, itemJobId, provider, hedge, null);
    },
    onEnded: (jobId, result) => {
      if (jobId === undefined) return;
      if (result.ok) store.jobEnded(jobId, "answered");
      else store.jobEnded(jobId, result.failure === "aborted" ? "cancelled" : "failed", result.message);
    },
  });
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
        });
  const deps: SubcallDeps = {
    selector,
    health,
    counters,
    settings,
    changed: (ms) => changed.wait(ms),
    attempt: attemptContext,
    start: (ctx, spec) =>
      batcher && servesBatches(spec.entry) ? batcher.start(ctx, spec) : startAttempt(ctx, spec),
  };

  const completeOne = async (request: SubcallRequest, signal: AbortSignal): Promise<SubcallResult> => {
    counters.subcalls++;
    const model = request.model ?? options.model;
    const hash = subcallKey(request, model);
    store.begin(runId, hash);
    const memo = memoise ? store.memoised(hash) : undefined;
    if (memo) {
      counters.memoHits++;
      store.answered(runId, hash, memo);
      return success(memo, 0, 0);
    }
    const shared = inFlight.get(hash);
    if (shared) return shared;
    const started = performance.now();
    const needs: JobNeeds = {
      model,
      inputTokens: estimateInputTokens(request),
      maxTokens: request.maxTokens,
      maxPriceMsats: options.maxPriceMsats,
    };
    const work = (async (): Promise<SubcallResult> => {
      const recovered = await recoverAnswer(client, store, runId, hash, openedAt, ackTimeoutMs, signal);
      if (recovered) {
        counters.recovered++;
        const answer: MemoisedResult = {
          text: recovered.output,
          provider: recovered.provider,
          model: model ?? directory.get(recovered.provider)?.announcement.models[0]?.name ?? "",
          costMsats: recovered.result.amount?.msats ?? 0,
          inputTokens: needs.inputTokens,
          outputTokens: Math.ceil(recovered.output.length / 4),
          jobId: recovered.jobId,
        };
        store.answered(runId, hash, answer);
        return success(answer, performance.now() - started, answer.costMsats);
      }
      const outcome = await runSubcall(deps, request, needs, hash, Date.now() + deadlineMs, signal);
      const latencyMs = performance.now() - started;
      if (!outcome.ok) {
        counters.failed++;
        store.failed(runId, hash, outcome.error);
        return {
          ok: false,
          error: outcome.error,
          provider: outcome.provider,
          model: model ?? "",
          latencyMs,
          costSats: 0,
          usage: { inputTokens: 0, outputTokens: 0 },
        };
      }
      const answer: MemoisedResult = {
        text: outcome.outcome.output,
        provider: outcome.entry.pubkey,
        model: model ?? outcome.entry.announcement.models[0]?.name ?? "",
        costMsats: outcome.costMsats,
        inputTokens: needs.inputTokens,
        outputTokens: Math.ceil(outcome.outcome.output.length / 4),
        jobId: outcome.outcome.jobId,
      };
      store.answered(runId, hash, answer);
      return success(answer, latencyMs, answer.costMsats);
    })();
    inFlight.set(hash, work);
    try {
      return await work;
    } finally {
      inFlight.delete(hash);
    }
  };

  try {
    await directory.start();
  } catch (error) {
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
    relayStatus: () => pool.status(),
    // A signal per sub-call (a shared one would collect thousands of listeners: quadratic to add to).
    complete: (requests, signal) =>
      allWithItemSignals(AbortSignal.any([signal, lifetime.signal]), requests, completeOne),
    estimateCostSats: (request) => {
      const needs: JobNeeds = {
        model: request.model ?? options.model,
        inputTokens: estimateInputTokens(request),
        maxTokens: request.maxTokens,
        maxPriceMsats: options.maxPriceMsats,
      };
      const quotes = selector.eligible(needs, new Set()).map((entry) => quoteMsats(entry, needs));
      return Math.max(0, ...quotes) / 1000;
    },
    close: async () => {
      lifetime.abort();
      await Promise.allSettled([...inFlight.values()]);
      try {
        await payment.close?.();
      } finally {
        directory.stop();
        if (ownsStore) store.close();
        if (ownsPool) pool.close();
      }
    },
  };
}

function success(answer: MemoisedResult, latencyMs: number, costMsats: number): SubcallResult {
  return {
    ok: true,
    text: answer.text,
    provider: answer.provider,
    model: answer.model,
    latencyMs,
    costSats: costMsats / 1000,
    usage: { inputTokens: answer.inputTokens, outputTokens: answer.outputTokens },
  };
}

/** Only providers the payment strategy can pay are candidates. */
function paymentAware(selector: Selector, payment: PaymentStrategy): Selector {
  return {
    eligible: (needs, exclude) => selector.eligible(needs, exclude).filter((entry) => payment.accepts(entry)),
    whyNone: (needs) =>
      selector.whyNone(needs, (entry) =>
        payment.accepts(entry)
          ? undefined
          : "takes no payment this run can make (no mint given, or another mint)",
      ),
    pick: (needs, exclude) => {
      const refused = new Set(exclude);
      for (;;) {
        const entry = selector.pick(needs, refused);
        if (!entry || payment.accepts(entry)) return entry;
        refused.add(entry.pubkey);
      }
    },
  };
}

/** Bytes kept free in a batch for a tab deposit's token (a few locked proofs, encrypted) and the envelope. */
const DEPOSIT_ROOM_BYTES = 4_096;
const ENVELOPE_BYTES = 1_024;
/** Message bytes per character of batch items: escaped once more inside the params, encrypted, base64. */
const BYTES_PER_CHAR = 1.82;

/** Most characters of items in one batch so that it fits the relays' limits with a deposit aboard. */
export function batchCharsFor(limits: RequestLimits | undefined): number {
  const bytes = Math.min(limits?.maxMessageBytes ?? Infinity, limits?.maxContentBytes ?? Infinity);
  if (!Number.isFinite(bytes)) return 36_000;
  return Math.max(256, Math.floor((bytes - ENVELOPE_BYTES - DEPOSIT_ROOM_BYTES) / BYTES_PER_CHAR));
}

/** 32 random bytes: a valid secp256k1 secret key with overwhelming probability (a fresh buyer identity). */
function freshKey(): Uint8Array {
  return new Uint8Array(randomBytes(32));
}
