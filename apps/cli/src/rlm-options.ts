/**
 * The flags of an RLM run (`pylon run`, `pylon bench rlm`; `pylon demo` takes --root): models, budgets,
 * limits, log and output, and what they turn into for @pylon/rlm. Apart from options.ts because its parsers
 * load @pylon/rlm, which the commands without an RLM should not load.
 */
import {
  type ModelSettings,
  type ModelSpec,
  parseModelSpec,
  RLM_DEFAULTS,
  type RlmBudget,
  type RlmOptions,
} from "@pylon/rlm";
import { MAX_TASK_TOKENS, MIN_TASK_TOKENS } from "@pylon/rlm/tasks";
import { type Command, InvalidArgumentError, Option } from "commander";
import { ConfigFileError } from "./config/file.js";
import type { LoadedConfig } from "./config/resolve.js";
import {
  GPU_CHOICES,
  type GpuChoice,
  gpuSetting,
  oneOf,
  openaiFromEnv,
  parsePositiveInt,
  parsePositiveNumber,
} from "./options.js";

/** `--sub swarm`: sub-calls go to the market's providers, any model (pylon run only; `swarm:MODEL` asks for MODEL). */
export const SWARM = { kind: "swarm" } as const;

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
  gpu: GpuChoice;
  contextSize?: number;
  log?: string;
  json?: boolean;
  quiet?: boolean;
}

/** A model spec (openai:MODEL | llama:PATH | swarm:MODEL | scripted), refused with commander's usage error. */
function parseModel(value: string): ModelSpec {
  try {
    return parseModelSpec(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

function parseSub(value: string): ModelSpec | typeof SWARM {
  if (value.trim() === "swarm") return SWARM;
  try {
    return parseModelSpec(value);
  } catch (error) {
    throw new InvalidArgumentError(`${(error as Error).message}, or swarm (the market's providers)`);
  }
}

/** "131072", "128k", "1m", "10M" → tokens, within the sizes the benchmark tasks are generated at. */
export function parseTokenCount(value: string): number {
  const match = /^(\d+(?:\.\d+)?)([km]?)$/i.exec(value.trim());
  const scale = { "": 1, k: 1024, m: 1024 * 1024 }[(match?.[2] ?? "").toLowerCase() as "" | "k" | "m"];
  const tokens = match ? Math.round(Number(match[1]) * scale) : Number.NaN;
  if (!Number.isInteger(tokens) || tokens < MIN_TASK_TOKENS || tokens > MAX_TASK_TOKENS) {
    throw new InvalidArgumentError(
      `"${value}" is not a size from ${MIN_TASK_TOKENS} to ${MAX_TASK_TOKENS} tokens (e.g. 8k, 131072, 1m).`,
    );
  }
  return tokens;
}

/** `--root <model>`, scripted by default; `help` lists the kinds. */
export function rootOption(help: string): Option {
  return new Option("--root <model>", help).argParser(parseModel).default(parseModel("scripted"), "scripted");
}

/** Adds the model, budget and log flags of an RLM run to `command`. */
export function addRlmOptions(command: Command): Command {
  return command
    .addOption(
      rootOption(
        "root model: openai:MODEL | llama:PATH | scripted | swarm:MODEL (pylon run: the market's providers)",
      ),
    )
    .option(
      "--sub <model>",
      "sub-call model: openai:MODEL | llama:PATH | scripted | swarm (pylon run; its default when relays are set) | swarm:MODEL; default: the root model",
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

/** How the models named by the flags are opened. */
export function modelSettings(opts: RlmCliOptions, scripted: ModelSettings["scripted"]): ModelSettings {
  return {
    openai: openaiFromEnv(),
    llama: {
      gpu: gpuSetting(opts.gpu),
      ...(opts.threads ? { threads: opts.threads } : {}),
      ...(opts.contextSize ? { contextSize: opts.contextSize } : {}),
    },
    ...(scripted ? { scripted } : {}),
    concurrency: opts.concurrency,
  };
}

/** The run's budget and limits, from the flags. */
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
  };
}

/** Where sub-calls go when they go to a model (the market, for `swarm` specs, is opened by `pylon run`). */
export function subcallsFor(opts: RlmCliOptions): ModelSpec {
  if (opts.root.kind === "swarm")
    throw new InvalidArgumentError("--root swarm:MODEL is available in pylon run only");
  if (opts.sub?.kind === "swarm")
    throw new InvalidArgumentError("--sub swarm is available in pylon run only");
  return opts.sub ?? opts.root;
}

/**
 * The config file's models and budget where the flags left them unset (`models.root`, `models.sub`,
 * `budget.sats`); a bad model spec there names the file and the key.
 */
export function applyConfigDefaults(
  command: Command,
  opts: RlmCliOptions & { budget?: number },
  loaded: LoadedConfig,
): void {
  const { models, budget } = loaded.config;
  const spec = (key: "root" | "sub", value: string, parse: (value: string) => ModelSpec | typeof SWARM) => {
    try {
      return parse(value);
    } catch (error) {
      throw new ConfigFileError(`${loaded.file}: models.${key}: ${(error as Error).message}`);
    }
  };
  const rootSource = command.getOptionValueSource("root");
  if (models?.root !== undefined && (rootSource === undefined || rootSource === "default")) {
    opts.root = spec("root", models.root, parseModel) as ModelSpec;
    // A root from the file is a named root: `pylon run` refuses only when none is named anywhere.
    command.setOptionValueWithSource("root", opts.root, "config");
  }
  if (models?.sub !== undefined && opts.sub === undefined) opts.sub = spec("sub", models.sub, parseSub);
  if (budget?.sats !== undefined && opts.budget === undefined && opts.budgetSats === undefined)
    opts.budgetSats = budget.sats;
}
