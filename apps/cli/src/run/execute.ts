/**
 * The work of one `pylon run` invocation: the sub-call backend (the market, or a model), the models, the
 * progress bar, the RLM run, then closing everything (the market last: it refunds the tabs) and the receipt.
 */
import {
  formatModelSpec,
  isBackend,
  openModels,
  RLM_DEFAULTS,
  type RlmResult,
  RunFold,
  runRlm,
  type TrajectoryRecord,
} from "@pylon/rlm";
import { keywordSub, mapReduceRoot } from "@pylon/rlm/scripted";
import type { TrustReport } from "@pylon/swarm";
import { gpuSetting, relaysFrom } from "../options.js";
import { modelSettings, type RlmCliOptions, rlmSettings, subcallsFor } from "../rlm-options.js";
import type { TrustCliOptions } from "../trust/run-flags.js";
import { openRunTrust, type RunTrust } from "../trust/run-trust.js";
import { type MarketPayments, openMarket } from "./market.js";
import { meteredSubcalls } from "./metered-subcalls.js";
import { ProgressBar } from "./progress.js";
import { buildReceipt, type RunReceipt } from "./receipt.js";
import { recordLines } from "./record-line.js";
import type { RecordedRun, ResumeCliOptions } from "./resume.js";
import { abortOnSignals } from "./signals.js";
import { RootProgress, runSnapshot } from "./snapshot.js";

export interface RunCliOptions extends RlmCliOptions, ResumeCliOptions, TrustCliOptions {
  context?: string;
  relay?: string[];
  network?: string;
  swarmDb?: string;
  maxPrice?: number;
  spread?: "finish" | "even";
  providers: number;
  mint?: string;
  budget?: number;
  progressInterval?: number;
}

export async function executeRun(
  run: RecordedRun,
  opts: RunCliOptions,
  home: string,
  startedAt: number,
  /** Called once the models (and the market) are open, when the run really starts: it can be resumed from here. */
  onStarted?: () => void,
): Promise<RunReceipt> {
  // The market opens when either model is on it (`--root swarm:MODEL`, `--sub swarm[:MODEL]`).
  const onMarket = opts.sub?.kind === "swarm" || opts.root.kind === "swarm";
  const trust: RunTrust | undefined = onMarket
    ? await openRunTrust(opts, home, {
        gpu: gpuSetting(opts.gpu),
        ...(opts.threads ? { threads: opts.threads } : {}),
        ...(opts.contextSize ? { contextSize: opts.contextSize } : {}),
      })
    : undefined;
  const market = onMarket
    ? await openMarket({
        relays: relaysFrom(opts.relay, opts.network),
        dataDir: home,
        runId: run.runId,
        ...(opts.swarmDb ? { store: opts.swarmDb } : {}),
        ...(opts.maxPrice === undefined ? {} : { maxPriceMsats: Math.round(opts.maxPrice * 1000) }),
        ...(opts.spread ? { spread: opts.spread } : {}),
        providers: opts.providers,
        ...(opts.mint ? { mint: opts.mint } : {}),
        ...(opts.budgetSats === undefined ? {} : { budgetSats: opts.budgetSats }),
        ...(opts.quiet ? { quiet: true } : {}),
        ...(trust ? { trust: trust.options } : {}),
      }).catch(async (error: unknown) => {
        await trust?.close();
        throw error;
      })
    : undefined;
  const sub = market ? (opts.sub ?? opts.root) : subcallsFor(opts);
  const scripted = {
    root: mapReduceRoot({
      question: run.question,
      chunkChars: opts.subcallChars ?? RLM_DEFAULTS.subcallChars,
    }),
    sub: keywordSub,
  };
  if (!opts.quiet && (opts.root.kind === "scripted" || sub.kind === "scripted")) {
    console.error("pylon: scripted models are deterministic stand-ins, not language models");
  }
  const settings = { ...modelSettings(opts, scripted), ...(market ? { swarm: market.swarm } : {}) };
  const models = await openModels(opts.root, sub, settings).catch(async (error) => {
    await market?.close();
    await trust?.close();
    throw error;
  });
  onStarted?.();
  const metered = meteredSubcalls(models.sub);
  // A root on the market is metered apart: its turns are paid jobs, counted in the receipt's `root`.
  const rootTurns = isBackend(models.root) ? undefined : meteredSubcalls(models.root);
  const root = new RootProgress();
  const bar = opts.quiet
    ? undefined
    : new ProgressBar({
        stream: process.stderr,
        snapshot: runSnapshot(startedAt, root, metered.meter, market, rootTurns?.meter),
        ...(opts.progressInterval ? { intervalMs: opts.progressInterval } : {}),
      }).start();
  const lineOf = recordLines();
  // The receipt's per-provider lines come from the records as written: the same fold `pylon view` makes.
  const fold = new RunFold({ rows: false }); // counts only: a long run's rows would fill the memory
  const onRecord = (record: TrajectoryRecord): void => {
    fold.add([record]);
    if (opts.quiet) return;
    root.onRecord(record);
    const line = lineOf(record);
    if (line !== undefined) bar?.log(line);
    bar?.update();
  };

  const controller = new AbortController();
  const stopListening = abortOnSignals(controller);
  let result: RlmResult | undefined;
  let payments: MarketPayments | undefined;
  let trustReport: TrustReport | undefined;
  try {
    result = await runRlm({
      ...rlmSettings(opts),
      onRecord,
      question: run.question,
      context: run.context,
      root: rootTurns ?? models.root,
      sub: metered,
      logFile: run.logFile,
      signal: controller.signal,
    });
  } finally {
    stopListening();
    bar?.stop();
    await models.close().catch((error: unknown) => console.error(`pylon: ${(error as Error).message}`));
    const closed = await market?.close();
    payments = closed?.payments;
    trustReport = closed?.trust;
    await trust?.close().catch((error: unknown) => console.error(`pylon: ${(error as Error).message}`));
    // The answer is still worth printing: a tab left open is reused and closed by the next run.
    if (closed?.error) console.error(`pylon: ${closed.error.message} (left open for the next run)`);
  }

  return buildReceipt({
    result,
    run: run.runId,
    models: { root: formatModelSpec(opts.root), sub: formatModelSpec(sub) },
    meter: metered.meter,
    ...(rootTurns ? { rootMeter: rootTurns.meter } : {}),
    ...(market ? { counters: market.swarm.counters } : {}),
    ...(payments ? { payments } : {}),
    ...(trustReport ? { trust: trustReport } : {}),
    fold,
    wallMs: Date.now() - startedAt,
  });
}
