import { randomBytes } from "node:crypto";
import { join } from "node:path";
import type { GpuSetting } from "@pylon/inference";
import { loadOrCreateKey } from "@pylon/nostr";
import {
  formatModelSpec,
  keywordSub,
  loadContext,
  type ModelSettings,
  type ModelSpec,
  mapReduceRoot,
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
import { cashuTabStrategy, createSwarm, type Swarm } from "@pylon/swarm";
import { openWallet } from "@pylon/wallet";
import { Command, InvalidArgumentError, Option } from "commander";
import { oneOf, parsePositiveInt } from "../options.js";
import { dataDir } from "../paths.js";
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
      "sub-call model (default: the root model): openai:MODEL | llama:PATH | scripted | swarm (pylon run)",
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
    .option("--quiet", "no progress on stderr");
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

interface SwarmCliOptions {
  relay?: string[];
  swarmDb?: string;
  swarmRun?: string;
  maxPrice?: number;
  providers: number;
  mint?: string;
  budgetSats?: number;
}

/** The market as the sub-call backend: discovery on the relays, run state in SQLite (resumable by run id). */
async function openSwarm(opts: SwarmCliOptions): Promise<Swarm> {
  // A kept customer key: a resumed run can read results of jobs the interrupted one left in flight.
  const key = await loadOrCreateKey(join(dataDir(), "swarm.key"));
  // --mint: pay providers through Cashu tabs from the wallet in <data dir>/wallet, within --budget-sats.
  const walletDir = join(dataDir(), "wallet");
  const wallet = opts.mint
    ? await openWallet({
        dbPath: join(walletDir, "wallet.db"),
        seedPath: join(walletDir, "seed"),
        mintUrls: [opts.mint],
      })
    : undefined;
  const payment =
    wallet && opts.mint
      ? cashuTabStrategy({
          wallet,
          mintUrl: opts.mint,
          ...(opts.budgetSats === undefined ? {} : { maxSpendSats: Math.floor(opts.budgetSats) }),
        })
      : undefined;
  const opened = await createSwarm({
    ...(payment ? { payment } : {}),
    relays: relaysFrom(opts.relay),
    secretKey: key.secretKey,
    store: opts.swarmDb ?? join(dataDir(), "swarm.db"),
    ...(opts.swarmRun ? { runId: opts.swarmRun } : {}),
    ...(opts.maxPrice === undefined ? {} : { maxPriceMsats: opts.maxPrice }),
  }).catch((error: unknown) => {
    wallet?.close();
    throw error;
  });
  const swarm: Swarm = {
    ...opened,
    close: async () => {
      try {
        await opened.close(); // closes the tabs, takes the refunds into the wallet
      } finally {
        wallet?.close();
      }
    },
  };
  try {
    await swarm.directory.waitFor(opts.providers, 10_000);
    return swarm;
  } catch (error) {
    await swarm.close();
    throw error;
  }
}

export function defaultLogFile(): string {
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  return join(dataDir(), "runs", `${stamp}-${randomBytes(3).toString("hex")}.jsonl`);
}

/** One stderr line per log record: enough to follow a run without reading its log. */
export function printProgress(record: TrajectoryRecord): void {
  const who = `[${"  ".repeat(record.depth)}${record.runId.slice(0, 6)}]`;
  if (record.type === "run") {
    const { context } = record;
    console.error(
      `${who} start depth ${record.depth}: ${context.type}, ${context.totalChars.toLocaleString("en-US")} chars in ${context.parts} part(s); root ${record.models.root}, sub ${record.models.sub}`,
    );
  } else if (record.type === "iteration") {
    const failed = record.subcalls.filter((s) => !s.ok).length;
    const errors = record.codeBlocks.filter((b) => b.error).length;
    console.error(
      `${who} ${record.forced ? "forced final" : `iteration ${record.iteration}`}: ${record.codeBlocks.length} block(s)${errors ? ` (${errors} raised)` : ""}, ${record.subcalls.length} sub-call(s)${failed ? ` (${failed} failed)` : ""}, ${(record.durationMs / 1000 + record.modelLatencyMs / 1000).toFixed(1)} s${record.final ? ", final answer" : ""}`,
    );
  } else {
    console.error(
      `${who} stopped by ${record.stoppedBy} after ${record.iterations} iteration(s)${record.error ? `: ${record.error}` : ""}`,
    );
  }
}

function receipt(result: RlmResult, models: { root: string; sub: string }) {
  return {
    answer: result.answer,
    stoppedBy: result.stoppedBy,
    ...(result.error ? { error: result.error } : {}),
    runId: result.runId,
    models,
    iterations: result.iterations,
    treeIterations: result.treeIterations,
    subcalls: result.subcalls,
    usage: result.usage,
    cost: result.cost,
    durationMs: Math.round(result.durationMs),
    logPath: result.logPath,
  };
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

interface RunCliOptions extends RlmCliOptions, SwarmCliOptions {
  context: string;
}

export function runCommand(): Command {
  const command = new Command("run")
    .description("answer a question about a large context with a Recursive Language Model")
    .argument("<question>", "the question")
    .requiredOption(
      "--context <source>",
      "a file, a folder (list of files), a .jsonl file (list of lines), or - for stdin",
    )
    .option(
      "--relay <url>",
      "--sub swarm: relay to find providers on (repeatable; env: PYLON_RELAYS)",
      collect,
    )
    .option("--swarm-db <file>", "--sub swarm: run state and memo (default: <data dir>/swarm.db)")
    .option("--swarm-run <id>", "--sub swarm: resume this run: answered sub-calls are not sent again")
    .option("--max-price <msats>", "--sub swarm: most one sub-call may cost, in msats", parsePositiveInt)
    .option("--providers <n>", "--sub swarm: wait for this many live providers", parsePositiveInt, 1)
    .option(
      "--mint <url>",
      "--sub swarm: pay providers through Cashu tabs from <data dir>/wallet at this mint",
    );
  return addRlmOptions(command)
    .addHelpText(
      "after",
      "\nopenai models read OPENAI_BASE_URL (default https://api.openai.com/v1) and OPENAI_API_KEY.\n" +
        "The answer goes to stdout, progress to stderr; the exit code is 1 when the run ends without an answer.",
    )
    .action(async (question: string, opts: RunCliOptions) => {
      const context = await loadContext(opts.context);
      const swarm = opts.sub?.kind === "swarm" ? await openSwarm(opts) : undefined;
      const sub = swarm ?? subcallsFor(opts);
      const scripted = {
        root: mapReduceRoot({ question, chunkChars: opts.subcallChars ?? RLM_DEFAULTS.subcallChars }),
        sub: keywordSub,
      };
      if (!opts.quiet && (opts.root.kind === "scripted" || ("kind" in sub && sub.kind === "scripted"))) {
        console.error("pylon: scripted models are deterministic stand-ins, not language models");
      }
      const models = await openModels(opts.root, sub, modelSettings(opts, scripted)).catch(async (error) => {
        await swarm?.close();
        throw error;
      });
      const controller = new AbortController();
      const stopListening = abortOnSignals(controller);
      const logFile = opts.log ?? defaultLogFile();
      try {
        const result = await runRlm({
          ...rlmSettings(opts),
          question,
          context,
          root: models.root,
          sub: models.sub,
          logFile,
          signal: controller.signal,
        });
        const names = {
          root: formatModelSpec(opts.root),
          sub: "kind" in sub ? formatModelSpec(sub) : sub.name,
        };
        if (opts.json) console.log(JSON.stringify(receipt(result, names), null, 2));
        else if (result.answer !== null) console.log(result.answer);
        if (!opts.quiet) console.error(`pylon: log written to ${logFile}`);
        if (swarm && !opts.quiet) {
          const c = swarm.counters;
          console.error(
            `pylon: swarm run ${swarm.runId}: ${c.jobsSent} job(s) sent, ${c.memoHits} from memo, ${c.redispatches} re-dispatched, ${c.hedges} hedged, ${c.failed} failed (resume with --swarm-run ${swarm.runId})`,
          );
        }
        if (result.answer === null) {
          console.error(
            `pylon: no answer (stopped by ${result.stoppedBy}${result.error ? `: ${result.error}` : ""})`,
          );
          process.exitCode = 1;
        }
      } finally {
        stopListening();
        await models.close();
        await swarm?.close();
      }
    });
}
