import { randomBytes } from "node:crypto";
import { join } from "node:path";
import type { GpuSetting } from "@pylon/inference";
import {
  type ContextValue,
  formatModelSpec,
  loadContext,
  type ModelSettings,
  type ModelSpec,
  openModels,
  parseModelSpec,
  RLM_DEFAULTS,
  type RlmBudget,
  type RlmOptions,
  type RlmResult,
  runRlm,
  type SubcallBackend,
  type TrajectoryRecord,
} from "@pylon/rlm";
import { keywordSub, mapReduceRoot } from "@pylon/rlm/scripted";
import { Command, InvalidArgumentError, Option } from "commander";
import { oneOf, parsePositiveInt } from "../options.js";
import { dataDir } from "../paths.js";
import {
  contextSource,
  isRunId,
  loadManifest,
  loadSavedContext,
  newRunId,
  type RunManifest,
  runsDir,
  saveManifest,
} from "../run/manifest.js";
import { type MarketPayments, openMarket } from "../run/market.js";
import { meteredSubcalls } from "../run/metered-subcalls.js";
import { ProgressBar } from "../run/progress.js";
import { buildReceipt, formatReceipt } from "../run/receipt.js";
import { RootProgress, runSnapshot } from "../run/snapshot.js";
import { collect, relaysFrom } from "./providers.js";

const GPU_CHOICES = ["auto", "off", "cuda", "vulkan", "metal"] as const;

/** `--sub swarm`: sub-calls go to the market's providers (pylon run only). */
const SWARM = { kind: "swarm" } as const;

/** Flags shared by `pylon run` and `pylon bench rlm`. */
export interface RlmCliOptions {
  root: ModelSpec;
  sub?: ModelSpec | typeof SWARM;
  maxDepth?: number;
  maxIterations?: number;
  budgetTokens?: number;
  budgetSubcalls?: number;
  budgetSats?: number;
  timeout?: number;
  concurrency: number;
  rootMaxTokens?: number;
  subMaxTokens?: number;
  subcallChars?: number;
  threads?: number;
  gpu: (typeof GPU_CHOICES)[number];
  contextSize?: number;
  log?: string;
  json?: boolean;
  quiet?: boolean;
}

function parseSub(value: string): ModelSpec | typeof SWARM {
  if (value.trim() === "swarm") return SWARM;
  try {
    return parseModelSpec(value);
  } catch (error) {
    throw new InvalidArgumentError(`${(error as Error).message}, or swarm (the market's providers)`);
  }
}

function parseSpec(value: string): ModelSpec {
  try {
    return parseModelSpec(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

function parsePositiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`"${value}" is not a positive number.`);
  return n;
}

/** Adds the model, budget and log flags of an RLM run to `command`. */
export function addRlmOptions(command: Command): Command {
  return command
    .addOption(
      new Option("--root <model>", "root model: openai:MODEL | llama:PATH | scripted")
        .argParser(parseSpec)
        .default(parseSpec("scripted"), "scripted"),
    )
    .option(
      "--sub <model>",
      "sub-call model: openai:MODEL | llama:PATH | scripted | swarm (pylon run; its default when relays are set); default: the root model",
      parseSub,
    )
    .option(
      "--max-depth <n>",
      `recursion depth; 1 = sub-calls are plain LM calls (default ${RLM_DEFAULTS.maxDepth})`,
      parsePositiveInt,
    )
    .option(
      "--max-iterations <n>",
      `replies per RLM before the forced final answer (default ${RLM_DEFAULTS.maxIterations})`,
      parsePositiveInt,
    )
    .option("--budget-tokens <n>", "token budget for the whole run (root and sub-calls)", parsePositiveInt)
    .option("--budget-subcalls <n>", "sub-call budget for the whole run", parsePositiveInt)
    .option("--budget-sats <n>", "money budget for the whole run, in sats", parsePositiveNumber)
    .option("--timeout <seconds>", "wall-clock limit for the whole run", parsePositiveNumber)
    .option("--concurrency <n>", "sub-calls in flight at once", parsePositiveInt, RLM_DEFAULTS.concurrency)
    .option(
      "--root-max-tokens <n>",
      `max tokens per root reply (default ${RLM_DEFAULTS.rootMaxTokens})`,
      parsePositiveInt,
    )
    .option(
      "--sub-max-tokens <n>",
      `max tokens per sub-call (default ${RLM_DEFAULTS.subMaxTokens})`,
      parsePositiveInt,
    )
    .option(
      "--subcall-chars <n>",
      `characters per sub-call prompt the model is told to stay under (default ${RLM_DEFAULTS.subcallChars})`,
      parsePositiveInt,
    )
    .option("--threads <n>", "llama: CPU threads", parsePositiveInt)
    .option("--gpu <kind>", `llama: ${GPU_CHOICES.join(" | ")}`, oneOf(GPU_CHOICES), "auto")
    .option("--context-size <tokens>", "llama: tokens per sequence (prompt + reply)", parsePositiveInt)
    .option("--log <file>", "trajectory log, JSONL (default: <data dir>/runs/<run>.jsonl)")
    .option("--json", "print a machine-readable receipt instead of the answer")
    .option("--quiet", "no progress on stderr (pylon run: and no receipt after the answer)");
}

export function modelSettings(opts: RlmCliOptions, scripted: ModelSettings["scripted"]): ModelSettings {
  const gpu: GpuSetting = opts.gpu === "off" ? false : opts.gpu;
  return {
    openai: {
      ...(process.env.OPENAI_BASE_URL ? { baseURL: process.env.OPENAI_BASE_URL } : {}),
      ...(process.env.OPENAI_API_KEY ? { apiKey: process.env.OPENAI_API_KEY } : {}),
    },
    llama: {
      gpu,
      ...(opts.threads ? { threads: opts.threads } : {}),
      ...(opts.contextSize ? { contextSize: opts.contextSize } : {}),
    },
    ...(scripted ? { scripted } : {}),
    concurrency: opts.concurrency,
  };
}

export function rlmSettings(opts: RlmCliOptions): Omit<RlmOptions, "question" | "context" | "root" | "sub"> {
  const budget: RlmBudget = {
    ...(opts.budgetTokens ? { tokens: opts.budgetTokens } : {}),
    ...(opts.budgetSubcalls ? { subcalls: opts.budgetSubcalls } : {}),
    ...(opts.budgetSats ? { sats: opts.budgetSats } : {}),
    ...(opts.timeout ? { timeoutMs: opts.timeout * 1000 } : {}),
  };
  return {
    budget,
    concurrency: opts.concurrency,
    ...(opts.maxDepth ? { maxDepth: opts.maxDepth } : {}),
    ...(opts.maxIterations ? { maxIterations: opts.maxIterations } : {}),
    ...(opts.rootMaxTokens ? { rootMaxTokens: opts.rootMaxTokens } : {}),
    ...(opts.subMaxTokens ? { subMaxTokens: opts.subMaxTokens } : {}),
    ...(opts.subcallChars ? { subcallChars: opts.subcallChars } : {}),
    ...(opts.quiet ? {} : { onRecord: printProgress }),
  };
}

/** Where sub-calls go when they go to a model (`--sub swarm` is opened by `pylon run` itself). */
export function subcallsFor(opts: RlmCliOptions): ModelSpec | SubcallBackend {
  if (opts.sub?.kind === "swarm")
    throw new InvalidArgumentError("--sub swarm is available in pylon run only");
  return opts.sub ?? opts.root;
}

export function defaultLogFile(): string {
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  return join(dataDir(), "runs", `${stamp}-${randomBytes(3).toString("hex")}.jsonl`);
}

/** One stderr line per log record: enough to follow a run without reading its log. */
export function printProgress(record: TrajectoryRecord): void {
  console.error(progressLine(record));
}

export function progressLine(record: TrajectoryRecord): string {
  const who = `[${"  ".repeat(record.depth)}${record.runId.slice(0, 6)}]`;
  if (record.type === "run") {
    const { context } = record;
    return `${who} start depth ${record.depth}: ${context.type}, ${context.totalChars.toLocaleString("en-US")} chars in ${context.parts} part(s); root ${record.models.root}, sub ${record.models.sub}`;
  }
  if (record.type === "iteration") {
    const failed = record.subcalls.filter((s) => !s.ok).length;
    const errors = record.codeBlocks.filter((b) => b.error).length;
    return `${who} ${record.forced ? "forced final" : `iteration ${record.iteration}`}: ${record.codeBlocks.length} block(s)${errors ? ` (${errors} raised)` : ""}, ${record.subcalls.length} sub-call(s)${failed ? ` (${failed} failed)` : ""}, ${(record.durationMs / 1000 + record.modelLatencyMs / 1000).toFixed(1)} s${record.final ? ", final answer" : ""}`;
  }
  return `${who} stopped by ${record.stoppedBy} after ${record.iterations} iteration(s)${record.error ? `: ${record.error}` : ""}`;
}

/** Aborts `controller` on the first Ctrl-C / SIGTERM so the run stops cleanly; a second one exits at once. */
export function abortOnSignals(controller: AbortController): () => void {
  const handler = () => {
    if (controller.signal.aborted) process.exit(130);
    console.error("pylon: stopping (press Ctrl-C again to exit at once)");
    controller.abort();
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
  return () => {
    process.off("SIGINT", handler);
    process.off("SIGTERM", handler);
  };
}

interface RunCliOptions extends RlmCliOptions {
  context?: string;
  relay?: string[];
  swarmDb?: string;
  resume?: string;
  swarmRun?: string;
  maxPrice?: number;
  providers: number;
  mint?: string;
  budget?: number;
  progressInterval?: number;
}

/** Flags that only change what is printed: never taken from a resumed run's manifest. */
const NOT_RESUMED = new Set(["context", "resume", "swarmRun", "json", "quiet", "log", "progressInterval"]);

/** Relays were named (flag or env): the market is there to be used. */
function relaysConfigured(opts: RunCliOptions): boolean {
  return (opts.relay?.length ?? 0) > 0 || (process.env.PYLON_RELAYS ?? "").trim() !== "";
}

/** The context given now (kept for a resume), else the one the resumed run was started with. */
async function runContext(
  home: string,
  runId: string,
  source: string | undefined,
  manifest: RunManifest | undefined,
): Promise<{ value: ContextValue; kept: RunManifest["context"] }> {
  if (source !== undefined) {
    const value = await loadContext(source);
    return { value, kept: contextSource(home, runId, source, value) };
  }
  if (!manifest) throw new InvalidArgumentError("--context is needed (or --resume <run>)");
  const kept = manifest.context;
  return { value: "savedJson" in kept ? loadSavedContext(kept) : await loadContext(kept.path), kept };
}

export function runCommand(): Command {
  const command = new Command("run")
    .description("answer a question about a large context with a Recursive Language Model")
    .argument("[question]", "the question (taken from the run when resuming)")
    .option(
      "--context <source>",
      "a file, a folder (list of files), a .jsonl file (list of lines), or - for stdin (required unless resuming)",
    )
    .option(
      "--relay <url>",
      "relay of the market (repeatable; env: PYLON_RELAYS); implies --sub swarm",
      collect,
    )
    .option(
      "--mint <url>",
      "pay providers through Cashu tabs from <data dir>/wallet at this mint (env: PYLON_MINT)",
    )
    .option(
      "--budget <sats>",
      "most the run may spend, in sats (sub-call costs and tab deposits)",
      parsePositiveNumber,
    )
    .option("--max-price <sats>", "market: most one sub-call may cost, in sats", parsePositiveNumber)
    .option(
      "--resume <run>",
      "continue a crashed or stopped run: answered sub-calls come from the run store, jobs left in flight are read back from the relays, nothing is paid twice",
    )
    .addOption(new Option("--swarm-run <id>", "old name of --resume").hideHelp())
    .option("--providers <n>", "market: wait for this many live providers", parsePositiveInt, 1)
    .option("--swarm-db <file>", "market: run state and memo (default: <data dir>/swarm.db)")
    .addOption(
      new Option("--progress-interval <ms>", "least ms between two progress lines off a terminal")
        .argParser(parsePositiveInt)
        .hideHelp(),
    );
  return addRlmOptions(command)
    .addHelpText(
      "after",
      "\nWith relays (--relay or PYLON_RELAYS) and no --sub, sub-calls go to the market (--sub swarm).\n" +
        "openai models read OPENAI_BASE_URL (default https://api.openai.com/v1) and OPENAI_API_KEY.\n" +
        "The answer and then a receipt go to stdout (--json: the receipt as JSON; --quiet: the answer only),\n" +
        "progress to stderr; the exit code is 1 when the run ends without an answer.",
    )
    .action(async (questionArg: string | undefined, opts: RunCliOptions) => {
      await runAction(command, questionArg, opts);
    });
}

async function runAction(
  command: Command,
  questionArg: string | undefined,
  opts: RunCliOptions,
): Promise<void> {
  const startedAt = Date.now();
  const home = dataDir();
  const resumeId = opts.resume ?? opts.swarmRun;
  if (resumeId !== undefined && !isRunId(resumeId))
    throw new InvalidArgumentError(`"${resumeId}" is not a run id`);
  const manifest = resumeId === undefined ? undefined : loadManifest(home, resumeId);
  if (manifest) {
    // The first invocation's flags, unless given again now.
    const given = (key: string) => ["cli", "env"].includes(command.getOptionValueSource(key) ?? "");
    const settable = opts as unknown as Record<string, unknown>;
    for (const [key, value] of Object.entries(manifest.options)) {
      if (!NOT_RESUMED.has(key) && !given(key)) settable[key] = value;
    }
  }
  const question = questionArg ?? manifest?.question;
  if (question === undefined) throw new InvalidArgumentError("a question is needed (or --resume <run>)");
  opts.mint ??= process.env.PYLON_MINT || undefined;
  opts.budgetSats = opts.budget ?? opts.budgetSats;
  opts.sub ??= relaysConfigured(opts) ? SWARM : undefined;

  const runId = resumeId ?? newRunId(randomBytes(3).toString("hex"));
  const context = await runContext(home, runId, opts.context, manifest);
  const logFile = opts.log ?? manifest?.logFile ?? join(runsDir(home), `${runId}.jsonl`);
  const saved: RunManifest = {
    version: 1,
    runId,
    question,
    context: context.kept,
    logFile,
    options: Object.fromEntries(Object.entries(opts).filter(([key]) => !NOT_RESUMED.has(key))),
    createdAt: manifest?.createdAt ?? new Date(startedAt).toISOString(),
  };
  saveManifest(home, saved);
  if (!opts.quiet) {
    console.error(
      `pylon: run ${runId}${resumeId ? " resumed" : ""} (resume with: pylon run --resume ${runId})`,
    );
  }

  const market =
    opts.sub?.kind === "swarm"
      ? await openMarket({
          relays: relaysFrom(opts.relay),
          dataDir: home,
          runId,
          ...(opts.swarmDb ? { store: opts.swarmDb } : {}),
          ...(opts.maxPrice === undefined ? {} : { maxPriceMsats: Math.round(opts.maxPrice * 1000) }),
          providers: opts.providers,
          ...(opts.mint ? { mint: opts.mint } : {}),
          ...(opts.budgetSats === undefined ? {} : { budgetSats: opts.budgetSats }),
        })
      : undefined;
  const sub = market?.swarm ?? subcallsFor(opts);
  const scripted = {
    root: mapReduceRoot({ question, chunkChars: opts.subcallChars ?? RLM_DEFAULTS.subcallChars }),
    sub: keywordSub,
  };
  if (!opts.quiet && (opts.root.kind === "scripted" || ("kind" in sub && sub.kind === "scripted"))) {
    console.error("pylon: scripted models are deterministic stand-ins, not language models");
  }
  const models = await openModels(opts.root, sub, modelSettings(opts, scripted)).catch(async (error) => {
    await market?.close();
    throw error;
  });
  const metered = meteredSubcalls(models.sub);
  const root = new RootProgress();
  const bar = opts.quiet
    ? undefined
    : new ProgressBar({
        stream: process.stderr,
        snapshot: runSnapshot(startedAt, root, metered.meter, market),
        ...(opts.progressInterval ? { intervalMs: opts.progressInterval } : {}),
      }).start();
  const onRecord = (record: TrajectoryRecord): void => {
    root.onRecord(record);
    bar?.log(progressLine(record));
    bar?.update();
  };

  const controller = new AbortController();
  const stopListening = abortOnSignals(controller);
  let result: RlmResult | undefined;
  let payments: MarketPayments | undefined;
  try {
    result = await runRlm({
      ...rlmSettings(opts),
      ...(opts.quiet ? {} : { onRecord }),
      question,
      context: context.value,
      root: models.root,
      sub: metered,
      logFile,
      signal: controller.signal,
    });
  } finally {
    stopListening();
    bar?.stop();
    await models.close().catch((error: unknown) => console.error(`pylon: ${(error as Error).message}`));
    const closed = await market?.close();
    payments = closed?.payments;
    // The answer is still worth printing: a tab left open is reused and closed by the next run.
    if (closed?.error) console.error(`pylon: ${closed.error.message} (left open for the next run)`);
  }

  const names = { root: formatModelSpec(opts.root), sub: "kind" in sub ? formatModelSpec(sub) : sub.name };
  const receipt = buildReceipt({
    result,
    run: runId,
    models: names,
    meter: metered.meter,
    ...(market ? { counters: market.swarm.counters } : {}),
    ...(payments ? { payments } : {}),
    wallMs: Date.now() - startedAt,
  });
  saveManifest(home, { ...saved, finishedAt: new Date().toISOString() });
  if (opts.json) console.log(JSON.stringify(receipt, null, 2));
  else {
    if (result.answer !== null) console.log(result.answer);
    if (!opts.quiet) console.log(`\n${formatReceipt(receipt)}`);
  }
  if (!opts.quiet) console.error(`pylon: log written to ${logFile}`);
  if (market && !opts.quiet) {
    const c = market.swarm.counters;
    console.error(
      `pylon: swarm run ${runId}: ${c.jobsSent} job(s) sent, ${c.memoHits} from memo, ${c.recovered} recovered, ${c.redispatches} re-dispatched, ${c.hedges} hedged, ${c.failed} failed (resume with --resume ${runId})`,
    );
  }
  if (result.answer === null) {
    console.error(
      `pylon: no answer (stopped by ${result.stoppedBy}${result.error ? `: ${result.error}` : ""})`,
    );
    process.exitCode = 1;
  }
}
