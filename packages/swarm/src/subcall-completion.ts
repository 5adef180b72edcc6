/**
 * One sub-call as the RLM sees it: the memo, a shared in-flight answer, an answer recovered after a resume,
 * else dispatch (subcall-runner.ts). With trust: an answer drawn for a spot check returns only after its
 * verdict (the original when it passed, the reference when it struck); an answer from a provider blocked
 * meanwhile is never delivered, the sub-call is asked again elsewhere. Check jobs bypass the memo and the
 * in-flight dedupe and are not sub-calls.
 */
import type { JobClient } from "@pylon/nostr";
import type { SubcallRequest, SubcallResult } from "@pylon/rlm";
import type { ProviderDirectory } from "./directory.js";
import { recoverAnswer } from "./recover.js";
import type { MemoisedResult, RunStore } from "./run-store.js";
import type { JobNeeds } from "./selection.js";
import { type CheckResult, type SpotCheckContext, spotCheck } from "./spot-check.js";
import { estimateInputTokens, seedOf, subcallKey } from "./subcall-key.js";
import { runSubcall, type SubcallDeps } from "./subcall-runner.js";
import { streamedRequest, TextGate } from "./text-stream.js";
import type { TrustKeeper } from "./trust-keeper.js";

export interface CompletionContext {
  client: JobClient;
  store: RunStore;
  runId: string;
  directory: ProviderDirectory;
  deps: SubcallDeps;
  keeper: TrustKeeper;
  /** Spot checks; undefined when off. */
  check: SpotCheckContext | undefined;
  model: string | undefined;
  maxPriceMsats: number | undefined;
  modelDigest: string | undefined;
  memoise: boolean;
  deadlineMs: number;
  ackTimeoutMs: number;
  /** When this swarm started (jobs sent before it are an interrupted run's). */
  openedAt: number;
  /** The payment budget left (PaymentStrategy.budget): checks stop when it runs low. */
  budget?: () => { leftSats: number; totalSats: number } | undefined;
}

/** Greedy by default while checks run: a check can only compare answers that do not depend on chance. */
export function deterministic(request: SubcallRequest, checking: boolean): SubcallRequest {
  return checking && request.temperature === undefined ? { ...request, temperature: 0 } : request;
}

export function jobNeeds(ctx: CompletionContext, request: SubcallRequest): JobNeeds {
  return {
    model: request.model ?? ctx.model,
    inputTokens: estimateInputTokens(request),
    maxTokens: request.maxTokens,
    maxPriceMsats: ctx.maxPriceMsats,
    ...(ctx.modelDigest === undefined ? {} : { digest: ctx.modelDigest }),
  };
}

export interface Completion {
  complete(request: SubcallRequest, signal: AbortSignal): Promise<SubcallResult>;
  /** Sub-calls being answered now (close() waits for them). */
  running(): Promise<SubcallResult>[];
}

export function createCompletion(ctx: CompletionContext): Completion {
  const { store, runId, keeper, deps } = ctx;
  const { counters } = deps;
  const inFlight = new Map<string, Promise<SubcallResult>>();

  const answer = async (
    request: SubcallRequest,
    needs: JobNeeds,
    hash: string,
    signal: AbortSignal,
  ): Promise<SubcallResult> => {
    const started = performance.now();
    const model = needs.model;
    const recovered = await recoverAnswer(
      ctx.client,
      store,
      runId,
      hash,
      ctx.openedAt,
      ctx.ackTimeoutMs,
      signal,
    );
    if (recovered && !keeper.blocked(recovered.provider)) {
      counters.recovered++;
      const memo: MemoisedResult = {
        text: recovered.output,
        provider: recovered.provider,
        model: model ?? ctx.directory.get(recovered.provider)?.announcement.models[0]?.name ?? "",
        costMsats: recovered.result.amount?.msats ?? 0,
        inputTokens: needs.inputTokens,
        outputTokens: Math.ceil(recovered.output.length / 4),
        jobId: recovered.jobId,
      };
      return deliver(hash, memo, started);
    }
    const deadline = Date.now() + ctx.deadlineMs;
    // Streamed text goes through one gate for all of the sub-call's attempts (text-stream.ts).
    const gate = request.onText ? new TextGate(request.onText) : undefined;
    const dispatched = gate ? streamedRequest(request, gate) : request;
    // Jobs sent over every round (a blocked provider's answer sends the sub-call round again).
    const sent = { attempts: 0, hedges: 0 };
    const counted = (result: SubcallResult): SubcallResult => ({ ...result, ...sent });
    for (;;) {
      const outcome = await runSubcall(deps, dispatched, needs, hash, deadline, signal);
      sent.attempts += outcome.attempts;
      sent.hedges += outcome.hedges;
      if (!outcome.ok) {
        counters.failed++;
        store.failed(runId, hash, outcome.error);
        return counted(failure(outcome.error, outcome.provider, model, performance.now() - started));
      }
      const provider = outcome.entry.pubkey;
      let memo: MemoisedResult = {
        text: outcome.outcome.output,
        provider,
        model: model ?? outcome.entry.announcement.models[0]?.name ?? "",
        costMsats: outcome.costMsats,
        inputTokens: needs.inputTokens,
        outputTokens: Math.ceil(outcome.outcome.output.length / 4),
        jobId: outcome.outcome.jobId,
      };
      // The answer holds a place in the provider's probation quota (deps.answered) until its verdict.
      if (keeper.blocked(provider)) {
        // Caught while this job ran: its answer is not delivered; paid for nothing good.
        keeper.awaiting(provider, -1);
        keeper.paidForBad(provider, outcome.costMsats);
        keeper.report.reasked++;
        continue;
      }
      if (!ctx.check || !affordsCheck(ctx) || !keeper.drawCheck(provider)) keeper.awaiting(provider, -1);
      else {
        const verdict = await checked(ctx.check, request, needs, hash, outcome.entry, memo, signal);
        if (verdict.outcome === "struck") {
          keeper.report.reasked++;
          const ref = verdict.reference;
          memo = { ...memo, text: ref.text, provider: ref.provider, jobId: ref.jobId };
          memo.outputTokens = Math.ceil(ref.text.length / 4);
        } else if (verdict.outcome === "inconclusive" && keeper.blocked(provider)) {
          keeper.paidForBad(provider, outcome.costMsats);
          keeper.report.reasked++;
          continue;
        }
      }
      const unstreamable = gate?.settle(memo.text, memo.provider);
      if (unstreamable !== undefined) {
        counters.failed++;
        store.failed(runId, hash, unstreamable);
        const failed = failure(unstreamable, memo.provider, model, performance.now() - started);
        return counted({ ...failed, costSats: memo.costMsats / 1000 }); // paid for all the same
      }
      return counted(deliver(hash, memo, started));
    }
  };

  const checked = async (
    check: SpotCheckContext,
    request: SubcallRequest,
    needs: JobNeeds,
    hash: string,
    entry: Parameters<typeof spotCheck>[5]["entry"],
    memo: MemoisedResult,
    signal: AbortSignal,
  ): Promise<CheckResult> => {
    const provider = entry.pubkey;
    const waitStarted = performance.now();
    try {
      const subject = {
        entry,
        answer: { provider, jobId: memo.jobId, text: memo.text, costMsats: memo.costMsats },
      };
      return await spotCheck(
        check,
        request,
        needs,
        hash,
        seedOf(hash),
        subject,
        Date.now() + ctx.deadlineMs,
        signal,
      );
    } finally {
      keeper.awaiting(provider, -1);
      keeper.report.checkWaitMs += performance.now() - waitStarted;
    }
  };

  const deliver = (hash: string, memo: MemoisedResult, started: number): SubcallResult => {
    store.answered(runId, hash, memo);
    keeper.delivered(memo.provider);
    return success(memo, performance.now() - started, memo.costMsats);
  };

  const complete = async (original: SubcallRequest, signal: AbortSignal): Promise<SubcallResult> => {
    counters.subcalls++;
    const request = deterministic(original, ctx.check !== undefined);
    const needs = jobNeeds(ctx, request);
    const hash = subcallKey(request, needs.model);
    store.begin(runId, hash);
    const memo = ctx.memoise ? store.memoised(hash) : undefined;
    if (memo && !keeper.blocked(memo.provider)) {
      counters.memoHits++;
      store.answered(runId, hash, memo);
      return success(memo, 0, 0);
    }
    const shared = inFlight.get(hash);
    if (shared) return shared;
    const work = answer(request, needs, hash, signal);
    inFlight.set(hash, work);
    try {
      return await work;
    } finally {
      inFlight.delete(hash);
    }
  };
  return { complete, running: () => [...inFlight.values()] };
}

/** Below this share of the budget left, no more checks: the sub-calls' own work comes first. */
const CHECK_BUDGET_RESERVE = 0.2;

/** Whether the payment budget leaves room for a check (always, without a budget). */
function affordsCheck(ctx: CompletionContext): boolean {
  const budget = ctx.budget?.();
  return budget === undefined || budget.leftSats > CHECK_BUDGET_RESERVE * budget.totalSats;
}

export function success(answer: MemoisedResult, latencyMs: number, costMsats: number): SubcallResult {
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

function failure(
  error: string,
  provider: string,
  model: string | undefined,
  latencyMs: number,
): SubcallResult {
  return {
    ok: false,
    error,
    provider,
    model: model ?? "",
    latencyMs,
    costSats: 0,
    usage: { inputTokens: 0, outputTokens: 0 },
  };
}
