/**
 * One sub-call, start to finish: pick a provider, send, and react.
 * - `busy`: try another provider at once (that one cools down briefly; not counted as a failure).
 * - error / no acknowledgement / timeout: the provider's failure is recorded (repeat offenders are avoided),
 *   and after a backoff the job goes to a provider not tried yet (or, when all were, any).
 * - a straggler (running longer than the market's observed tail latency) gets one duplicate elsewhere; the
 *   first answer wins and the other is cancelled with kind 5.
 * - a request with an `affinity` goes first to the provider that answered that affinity last (when it is
 *   still eligible and has room); whoever answers it becomes the preferred one (affinities.ts).
 * The sub-call ends at the first answer, after `maxAttempts` failed jobs, or at its deadline.
 */
import { backoffDelay, type JobOutcome } from "@pylon/nostr";
import type { SubcallRequest } from "@pylon/rlm";
import type { Affinities } from "./affinities.js";
import type { ProviderEntry } from "./directory.js";
import type { HealthBook } from "./health.js";
import { type Attempt, type AttemptContext, startAttempt } from "./job-attempt.js";
import type { Wake } from "./notifier.js";
import type { PaymentJob } from "./payment.js";
import { type JobNeeds, quoteMsats, type Selector } from "./selection.js";
import { recordFailure, sleep } from "./subcall-faults.js";
import type { SwarmCounters } from "./swarm-counters.js";

export interface HedgePolicy {
  /** Quantile of recent answer latencies taken as the tail. Default 0.95. */
  quantile: number;
  /** Hedge once a job has run this many times the tail. Default 1.5. */
  multiplier: number;
  /** Never hedge sooner than this, ms. Default 500. */
  minMs: number;
  /** Answers needed before the tail is trusted. Default 10. */
  minSamples: number;
}

export interface SubcallSettings {
  maxAttempts: number;
  backoff: { initialDelayMs: number; maxDelayMs: number };
  hedge: HedgePolicy | false;
}

/** Starts one attempt at a provider: a plain job, or an item of a batch (see BatchDispatcher). */
export type StartAttempt = typeof startAttempt;

export interface SubcallDeps {
  selector: Selector;
  health: HealthBook;
  counters: SwarmCounters;
  attempt: (hash: string, hedge: boolean) => AttemptContext;
  /**
   * Resolves when capacity may have freed up (a job ended, the directory changed), or after `ms`; with the
   * wake, when it was a freed place (see Notifier): one the sub-call did not use is handed on with `pass`.
   */
  changed: (ms: number, signal?: AbortSignal, urgent?: boolean) => Promise<Wake | undefined>;
  /** See Notifier.pass: `missed` when the sub-call looked and started no job. */
  pass?: (wake: Wake, missed?: boolean) => void;
  settings: SubcallSettings;
  /** Default: a plain job per attempt. */
  start?: StartAttempt;
  /**
   * The sub-call's answer came from `provider`: called before its place there is freed, so whatever the
   * caller holds against the provider (an answer awaiting its check) is counted without a gap.
   */
  answered?: (provider: string) => void;
  /** Sticky providers for requests with an `affinity` (not for check jobs: they must go elsewhere). */
  affinities?: Affinities;
}

/** Jobs the sub-call sent (first + re-dispatches + hedges), and of those the hedges. */
export interface JobsSent {
  attempts: number;
  hedges: number;
}

export type SubcallOutcome = (
  | { ok: true; outcome: JobOutcome; costMsats: number; entry: ProviderEntry }
  | { ok: false; error: string; provider: string }
) &
  JobsSent;

export async function runSubcall(
  deps: SubcallDeps,
  request: SubcallRequest,
  needs: JobNeeds,
  hash: string,
  deadline: number,
  signal: AbortSignal,
): Promise<SubcallOutcome> {
  const { selector, health, counters, settings } = deps;
  const tried = new Set<string>();
  const running = new Set<Attempt>();
  let failures = 0;
  let lastError = "no provider was available";
  let lastProvider = "";
  const sent: JobsSent = { attempts: 0, hedges: 0 };

  const launch = (entry: ProviderEntry, hedge: boolean): void => {
    tried.add(entry.pubkey);
    const job: PaymentJob = {
      quoteMsats: quoteMsats(entry, needs),
      inputTokens: needs.inputTokens,
      maxTokens: needs.maxTokens,
      model: needs.model,
    };
    health.started(entry.pubkey);
    if (tried.size > 1 && !hedge) counters.redispatches++;
    if (hedge) counters.hedges++;
    sent.attempts++;
    if (hedge) sent.hedges++;
    const start = deps.start ?? startAttempt;
    running.add(start(deps.attempt(hash, hedge), { entry, request, job, hedge, deadline }));
  };

  /** Providers with room, preferring ones this sub-call has not tried yet. */
  const pickFresh = (): ProviderEntry | undefined => selector.pick(needs, tried);
  const pickAny = (): ProviderEntry | undefined =>
    pickPreferred() ?? pickFresh() ?? selector.pick(needs, new Set(runningProviders()));
  /** The affinity's provider, through the same selector (eligible, not avoided, with room), others excluded. */
  const pickPreferred = (): ProviderEntry | undefined => {
    const pubkey = deps.affinities?.preferred(request.affinity);
    if (pubkey === undefined || tried.has(pubkey) || health.isAvoided(pubkey, Date.now())) return undefined;
    if (selector.choose) return selector.choose(needs, pubkey);
    const others = selector.eligible(needs, tried).filter((entry) => entry.pubkey !== pubkey);
    return selector.pick(needs, new Set([...tried, ...others.map((entry) => entry.pubkey)]));
  };
  const runningProviders = (): string[] => [...running].map((attempt) => attempt.entry.pubkey);

  const hedgeAfterMs = (): number | undefined => {
    if (!settings.hedge) return undefined;
    const tail = health.tailLatencyMs(settings.hedge.quantile, settings.hedge.minSamples);
    return tail === undefined ? undefined : Math.max(settings.hedge.minMs, tail * settings.hedge.multiplier);
  };

  const onAbort = (): void => {
    for (const attempt of running) attempt.abort("aborted by the caller");
  };
  /** The freed place that woke us, until we used it or handed it on. */
  let woke: Wake | undefined;
  let finished = false;
  /** Waits in a row that ended with nothing to pick: the safety-net timeout grows (250 ms to 1 s). */
  let idleWaits = 0;
  /** Hands `woke` on unless the sub-call just took the place it announced. */
  const settleWake = (taken: ProviderEntry | undefined): void => {
    if (woke && (woke.provider === undefined || taken?.pubkey !== woke.provider))
      deps.pass?.(woke, taken === undefined);
    woke = undefined;
  };
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    let hedged = false;
    let hedgeWaitsForRoom = false;
    let launchedAt = 0;
    for (;;) {
      if (signal.aborted) return { ok: false, error: "aborted", provider: lastProvider, ...sent };
      if (Date.now() >= deadline) {
        for (const attempt of running) attempt.abort("the sub-call's deadline passed");
        return {
          ok: false,
          error: `no answer before the deadline (${lastError})`,
          provider: lastProvider,
          ...sent,
        };
      }
      if (running.size === 0) {
        if (failures >= settings.maxAttempts) {
          return {
            ok: false,
            error: `${failures} attempts failed; last: ${lastError}`,
            provider: lastProvider,
            ...sent,
          };
        }
        const entry = pickAny();
        const wokeBy = woke;
        settleWake(entry);
        if (!entry) {
          // A freed place elsewhere changes nobody's eligibility: only a broadcast, a timeout or the first miss can.
          const mayBeNone = wokeBy?.provider === undefined;
          if (mayBeNone && selector.eligible(needs, new Set(), 1).length === 0) {
            const why =
              failures > 0
                ? `${selector.whyNone(needs)}; last failure: ${lastError}`
                : selector.whyNone(needs);
            return {
              ok: false,
              error: `no live provider serves this request (${why})`,
              provider: "",
              ...sent,
            };
          }
          const bound = Math.min(250 * 2 ** Math.min(idleWaits, 2), deadline - Date.now());
          woke = (await deps.changed(bound)) || undefined;
          idleWaits = woke === undefined ? idleWaits + 1 : 0;
          continue;
        }
        idleWaits = 0;
        launch(entry, false);
        hedged = false;
        launchedAt = Date.now();
      }

      // Wait for an attempt to end, or for the moment to hedge.
      const mayHedge = settings.hedge !== false && !hedged && running.size === 1;
      const hedgeAt = mayHedge ? hedgeAfterMs() : undefined;
      // Until the tail is known, look again every `minMs`: a straggler may be waiting for it.
      const nextLook =
        hedgeAt !== undefined
          ? launchedAt + hedgeAt - Date.now()
          : mayHedge && settings.hedge
            ? settings.hedge.minMs
            : Number.MAX_SAFE_INTEGER;
      const waitMs = Math.max(0, Math.min(deadline - Date.now(), nextLook));
      // A hedge that is due but found no room waits for capacity to free up, not for a timer.
      // The timer is dropped once an attempt ends first: it may be the whole deadline long (no hedging),
      // and thousands of them left pending would hold memory and keep the process alive.
      const waking = new AbortController();
      const wake = hedgeWaitsForRoom
        ? deps.changed(Math.min(250, waitMs), waking.signal, true) // a straggler's hedge goes first
        : sleep(waitMs, signal, waking.signal);
      const ended = await Promise.race([
        ...[...running].map((attempt) => attempt.done.then((result) => ({ attempt, result }))),
        wake.then((why) => {
          // Woken just as the sub-call ended: the place is someone else's.
          if (why && finished) deps.pass?.(why);
          else woke = why || undefined;
          return undefined;
        }),
      ]);
      waking.abort();
      if (!ended) {
        const due = hedgeAt !== undefined && Date.now() >= launchedAt + hedgeAt;
        hedgeWaitsForRoom = false;
        if (due && !signal.aborted && Date.now() < deadline) {
          const other = pickFresh();
          settleWake(other);
          if (other) {
            hedged = true; // one duplicate per straggler
            launch(other, true);
          } else {
            hedgeWaitsForRoom = true;
          }
        }
        settleWake(undefined);
        continue;
      }
      settleWake(undefined);
      const { attempt, result } = ended;
      running.delete(attempt);
      if (result.ok) deps.answered?.(attempt.entry.pubkey);
      health.ended(attempt.entry.pubkey);
      lastProvider = attempt.entry.pubkey;
      if (result.ok) {
        health.succeeded(attempt.entry.pubkey, result.latencyMs);
        if (attempt.hedge) counters.hedgeWins++;
        deps.affinities?.answered(request.affinity, attempt.entry.pubkey);
        for (const loser of running) {
          loser.abort("another provider answered first");
          // It was at least this slow: let selection know, though it never answered.
          health.lostRace(loser.entry.pubkey, Date.now() - loser.startedAt);
          counters.hedgeCancels++;
        }
        return {
          ok: true,
          outcome: result.outcome,
          costMsats: result.costMsats,
          entry: result.entry,
          ...sent,
        };
      }
      lastError = `${result.failure}: ${result.message}`;
      recordFailure(health, counters, result);
      if (result.failure === "aborted") continue; // our own doing (caller or deadline): the loop ends it
      if (result.failure !== "busy") failures++;
      if (running.size === 0 && result.failure !== "busy" && failures < settings.maxAttempts) {
        await sleep(
          Math.min(backoffDelay(failures - 1, settings.backoff), Math.max(0, deadline - Date.now())),
          signal,
        );
      }
    }
  } finally {
    finished = true;
    settleWake(undefined);
    signal.removeEventListener("abort", onAbort);
    for (const attempt of running) {
      attempt.abort("the sub-call ended");
      // Its place at the provider is ours until the attempt has really ended (cancellation sent).
      void attempt.done.finally(() => health.ended(attempt.entry.pubkey));
    }
  }
}
