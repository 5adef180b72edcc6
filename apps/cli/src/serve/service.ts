/**
 * The ModelService behind `pylon serve` and `pylon mcp`: one market (swarm, wallet, tabs) opened for the
 * server's life; `market/<name>` requests are one paid job each, `rlm` requests an RLM run whose root and
 * sub-calls are paid jobs (or the configured models). Every request's receipt (and RLM log) is written to
 * <data dir>/serve/.
 */
import { randomBytes } from "node:crypto";
import { type Completion, type CompletionRequest, type ModelService, ServiceError } from "@pylon/gateway";
import type { ModelSpec } from "@pylon/rlm";
import { openMarket } from "../run/market.js";
import type { TrustCliOptions } from "../trust/run-flags.js";
import { openRunTrust } from "../trust/run-trust.js";
import { messageOf } from "./failures.js";
import { completionId, serveDir } from "./files.js";
import { completeOnMarket } from "./market-completion.js";
import { MARKET_PREFIX } from "./market-models.js";
import { listModels, rlmRoot } from "./model-list.js";
import { completeWithRlm, type RlmRunSettings } from "./rlm-completion.js";

export interface ServiceOptions {
  /** The data dir (PYLON_HOME): wallet, swarm.db, trust.db, serve/ receipts. */
  home: string;
  relays: string[];
  /** Pay through Cashu tabs from <home>/wallet at this mint; without one, only free providers serve. */
  mint?: string;
  /** Most one job may cost, msats. */
  maxPriceMsats?: number;
  /** Live providers to wait for before serving (0: do not wait). */
  providers: number;
  /** The RLM's models for `rlm` requests: root (default swarm: — any market model) and sub (default swarm). */
  root: ModelSpec;
  sub: ModelSpec;
  /** Say nothing on stderr but errors. */
  quiet?: boolean;
  /** Spot checks, the reputation book, the required digest (as `pylon run`'s trust flags; default theirs). */
  trust?: TrustCliOptions;
  /** Limits of each `rlm` request's run. */
  rlm?: RlmRunSettings;
  /** The swarm's run id (tab events, jobs in swarm.db); default serve-<ISO date>-<random>. */
  runId?: string;
}

export async function openModelService(options: ServiceOptions): Promise<ModelService> {
  const runId =
    options.runId ?? `serve-${new Date().toISOString().slice(0, 10)}-${randomBytes(4).toString("hex")}`;
  const trust = await openRunTrust(options.trust ?? {}, options.home, { gpu: "auto" });
  const market = await openMarket({
    relays: options.relays,
    dataDir: options.home,
    runId,
    providers: options.providers,
    ...(options.mint ? { mint: options.mint } : {}),
    ...(options.maxPriceMsats === undefined ? {} : { maxPriceMsats: options.maxPriceMsats }),
    ...(options.quiet ? { quiet: true } : {}),
    trust: trust.options,
    // A chat API answers every request afresh, as OpenAI's does (a sampled answer is not a fact to reuse).
    memoise: false,
  }).catch(async (error: unknown) => {
    await trust.close();
    throw error;
  });
  if (!options.quiet && (options.root.kind === "scripted" || options.sub.kind === "scripted"))
    console.error("pylon: scripted models are deterministic stand-ins, not language models");
  const dir = serveDir(options.home);
  const startedAt = Math.floor(Date.now() / 1000);
  const running = new Set<AbortController>();
  let closing: Promise<void> | undefined;

  const complete = async (request: CompletionRequest): Promise<Completion> => {
    if (closing) throw new ServiceError("busy", "the server is shutting down");
    if (request.messages.length === 0)
      throw new ServiceError("bad-request", "messages: at least one is needed");
    // The request's own signal, and the service's: close() stops every request in flight.
    const stop = new AbortController();
    running.add(stop);
    const signal = AbortSignal.any([request.signal, stop.signal]);
    const id = completionId();
    try {
      if (request.model.startsWith(MARKET_PREFIX))
        return await completeOnMarket({ swarm: market.swarm, runId, dir, id }, { ...request, signal });
      const root = rlmRoot(request.model, options.root, market.swarm);
      if (root)
        return await completeWithRlm(
          { market: market.swarm, root, sub: options.sub, settings: options.rlm ?? {}, dir, id },
          { ...request, signal },
        );
      const known = listModels(market.swarm, startedAt, options.root).map((model) => model.id);
      throw new ServiceError("unknown-model", `no model ${request.model}; available: ${known.join(", ")}`);
    } catch (error) {
      if (error instanceof ServiceError) throw error;
      throw new ServiceError("market", `${request.model}: ${messageOf(error)}`);
    } finally {
      running.delete(stop);
    }
  };

  const close = async (): Promise<void> => {
    for (const stop of running) stop.abort(new Error("the server is shutting down"));
    const closed = await market.close(); // closes the tabs: what they hold comes back to the wallet
    await trust.close().catch(() => undefined);
    if (closed.error) console.error(`pylon: ${closed.error.message} (left open for the next run)`);
    const money = closed.payments;
    if (money && !options.quiet)
      console.error(
        `pylon: market closed: ${round(money.spentSats)} sats spent from the wallet, ${round(money.chargedSats)} charged, ${round(money.refundedSats)} refunded`,
      );
  };

  return {
    models: async () => listModels(market.swarm, startedAt, options.root),
    complete,
    close: () => {
      closing ??= close();
      return closing;
    },
  };
}

function round(sats: number): number {
  return Math.round(sats * 1000) / 1000;
}
