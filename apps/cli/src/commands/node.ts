import { readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  assertModelAvailable,
  assertPaymentSettings,
  type Logger,
  loadProviderConfig,
  type NodeStatus,
  type ProviderConfig,
  type RunningProvider,
  readNodeEarnings,
  startProvider,
} from "@pylon/provider";
import { Command } from "commander";
import { loadConfig, resolveMints, resolveRelays, type Sourced } from "../config/resolve.js";
import {
  collect,
  dataDir,
  GPU_CHOICES,
  type GpuChoice,
  gpuSetting,
  NETWORK_FLAG,
  oneOf,
  parseCount,
  parsePositiveInt,
} from "../options.js";
import { serviceCommands } from "../service/subcommands.js";
import { onShutdown } from "../shutdown.js";
import { addUiOptions, type OpenUi, startUi, type UiCliOptions } from "../view/ui-flag.js";
import { relayList, relayProblems, relaySummary } from "./node-relays.js";

/** Written into the data dir on every status line, read by `pylon node status`. */
const STATUS_FILE = "node-status.json";

interface NodeCliOptions extends UiCliOptions {
  config?: string;
  relay?: string[];
  network?: string;
  model?: string;
  modelName?: string;
  slots?: number;
  queue?: number;
  maxBatch?: number;
  threads?: number;
  contextSize?: number;
  gpu?: GpuChoice;
  free?: boolean;
  priceIn?: number;
  priceOut?: number;
  priceMin?: number;
  mint?: string[];
  maxTokens?: number;
  serveOpen?: boolean;
  dataDir?: string;
  keyFile?: string;
  name?: string;
  about?: string;
  announceEvery?: number;
  grace?: number;
  statusEvery: number;
  quiet?: boolean;
}

export function nodeCommand(): Command {
  const node = new Command("node")
    .description("run a provider node: serve NIP-90 text-generation jobs (kind 5050) with a local model")
    .option(
      "--config <file>",
      "JSON config file (keys as in the node config; flags override it; env: PYLON_CONFIG)",
    )
    .option("--relay <url>", "relay to serve on (repeat for several; env: PYLON_RELAYS)", collect)
    .option(...NETWORK_FLAG)
    .option("--model <path|hf:uri>", "GGUF file, hf:user/repo:quant URI or https URL (env: PYLON_MODEL)")
    .option("--model-name <name>", "name to announce and match against requests (default: the file name)")
    .option("--slots <n>", "jobs generated at once (default 4)", parsePositiveInt)
    .option(
      "--queue <n>",
      "accepted jobs that may wait for a slot; more are refused as busy (default 16)",
      parseCount,
    )
    .option(
      "--max-batch <n>",
      "most prompts one batched request may carry (announced as capacity.max_batch); 0 or 1 refuses batches (default 64; env: PYLON_MAX_BATCH)",
      parseCount,
    )
    .option(
      "--threads <n>",
      "CPU decode threads (default: 1 for tiny models, else the core count)",
      parsePositiveInt,
    )
    .option(
      "--context-size <n>",
      "tokens per job, prompt + output (default: the model's, at most 4096)",
      parsePositiveInt,
    )
    .option("--gpu <mode>", `GPU backend: ${GPU_CHOICES.join(" | ")} (default auto)`, oneOf(GPU_CHOICES))
    .option("--free", "serve without payment (otherwise every job is answered with payment-required)")
    .option("--price-in <msats>", "price per 1,000 input tokens, msats", parseCount)
    .option("--price-out <msats>", "price per 1,000 output tokens, msats", parseCount)
    .option("--price-min <msats>", "minimum price of a job, msats", parseCount)
    .option("--mint <url>", "Cashu mint whose tokens are accepted (repeatable)", collect)
    .option("--max-tokens <n>", "most output tokens per job (default 1024)", parsePositiveInt)
    .option("--serve-open", "also serve requests not addressed (p-tagged) to any provider")
    .option("--data-dir <dir>", "job database, key and models (default: $PYLON_HOME or ~/.pylon)")
    .option(
      "--key-file <file>",
      "Nostr key file, created 0600 on first run (default: <data dir>/provider.key)",
    )
    .option("--name <name>", "name in the announcement")
    .option("--about <text>", "description in the announcement")
    .option("--announce-every <seconds>", "announcement refresh interval (default 120)", parsePositiveInt)
    .option(
      "--grace <seconds>",
      "on shutdown, how long running jobs may take to finish (default 10)",
      parseCount,
    )
    .option(
      "--status-every <seconds>",
      "print a status line every N seconds (0: only on SIGUSR2)",
      parseCount,
      60,
    )
    .option("--quiet", "log only warnings and errors")
    .addHelpText(
      "after",
      "\nA first run creates the node's key and data dir and prints its npub. Stop with Ctrl-C (SIGINT) or\n" +
        "SIGTERM: running jobs get the grace period, then the node announces itself offline. SIGUSR2 prints a\n" +
        "status line. Without --free the node quotes every job (payment-required) and does no work.",
    )
    .action(async (opts: NodeCliOptions) => runNode(opts));
  addUiOptions(node, "this node (jobs, tokens/s, earnings, tabs)");
  node
    .command("status")
    .description("print the last status a node wrote to its data dir (takes the node's --data-dir)")
    // --data-dir belongs to `node` (commander reads it after the subcommand name too).
    .action(async (_opts: unknown, command: Command) =>
      printSavedStatus((command.optsWithGlobals() as { dataDir?: string }).dataDir ?? dataDir()),
    );
  node
    .command("earnings")
    .description("print what a node earned in ecash, from its wallet database (takes the node's --data-dir)")
    .action((_opts: unknown, command: Command) =>
      printEarnings((command.optsWithGlobals() as { dataDir?: string }).dataDir ?? dataDir()),
    );
  // A node that could not start is not installed: the same config loading, plus the model file check.
  for (const command of serviceCommands(async (opts) => {
    const config = await loadNodeConfig(opts as NodeCliOptions);
    await assertModelAvailable(config);
    return config;
  }))
    node.addCommand(command);
  return node;
}

function printEarnings(dir: string): void {
  const earnings = readNodeEarnings(dir);
  if (!earnings)
    throw new Error(`no payments recorded in ${dir} (a node started with --mint keeps them there)`);
  console.log(JSON.stringify(earnings, null, 2));
}

async function runNode(opts: NodeCliOptions): Promise<void> {
  const log = cliLogger(opts.quiet ?? false);
  const config = await loadNodeConfig(opts);
  await assertModelAvailable(config); // the model first: the likelier mistake, and a price cannot fix it
  assertPaymentSettings(config);
  const node = await startProvider(config, { log });
  if (node.keyCreated) console.error(`pylon node: created key ${node.keyFile} (mode 0600); keep it safe`);
  const statusFile = join(config.dataDir, STATUS_FILE);
  const report = async (): Promise<void> => {
    const status = node.status();
    console.error(statusLine(status));
    await saveStatus(statusFile, status).catch((error: unknown) =>
      log.warn(`cannot write ${statusFile}: ${String(error)}`),
    );
  };
  const timer = opts.statusEvery > 0 ? setInterval(() => void report(), opts.statusEvery * 1000) : undefined;
  process.on("SIGUSR2", () => void report());
  let ui: OpenUi | undefined;
  onShutdown(async (signal) => {
    await ui?.close();
    await stopNode(node, signal, timer, report);
  });
  // After the handlers: a signal sent as soon as scripts read this line must find them.
  // The one line scripts wait for: the node's identity and what it serves.
  const { relays, model, modelDigest } = node.status();
  for (const line of relayProblems(relays)) console.error(`pylon node: ${line}`);
  if (typeof config.model !== "string") console.error(`pylon node: ${standIn(config.model)}`);
  // The digest's first 12 hex digits: enough to tell models apart at a glance (the announcement has it all).
  const digest = modelDigest ? ` [${modelDigest.slice(0, "sha256:".length + 12)}]` : "";
  console.log(
    `pylon node ${node.npub} serving ${model}${digest} (${config.slots} slots) on ${relayList(config.relays, relays)}` +
      (config.free ? " for free" : " (payment required)"),
  );
  if (opts.ui) {
    await saveStatus(statusFile, node.status()); // the node page reads its identity and model from it
    ui = await startUi({
      home: dataDir(),
      nodeDir: config.dataDir,
      name: "pylon node",
      open: opts.open !== false,
    });
  }
}

/** Says plainly that a scripted model is no real model (buyers get what it scripts, not answers). */
function standIn(model: Exclude<ProviderConfig["model"], string>): string {
  const what = model.rlmRoot
    ? "an RLM root that writes map-reduce code over the context's parts"
    : model.echo
      ? "it echoes each prompt"
      : "it gives one fixed reply";
  return `the model is a SCRIPTED stand-in (${what}); it answers no real question`;
}

/** The node's config from its flags, the node config file, PYLON_* variables and the network, validated. */
function loadNodeConfig(opts: NodeCliOptions): Promise<ProviderConfig> {
  return loadProviderConfig({
    ...((opts.config ?? process.env.PYLON_CONFIG) ? { file: opts.config ?? process.env.PYLON_CONFIG } : {}),
    env: process.env,
    ...networkLayers(opts),
  });
}

async function stopNode(
  node: RunningProvider,
  signal: NodeJS.Signals,
  timer: NodeJS.Timeout | undefined,
  report: () => Promise<void>,
): Promise<void> {
  clearInterval(timer);
  console.error(`pylon node: ${signal}, stopping (running jobs may finish within the grace period)`);
  await node.stop();
  await report();
  console.error("pylon node: stopped");
}

/**
 * config.json's part: the network's relays and mints, and `models.node`. A --network flag overrides the
 * node's --config file and env; a network chosen by PYLON_NETWORK or config.json only fills what they leave.
 */
function networkLayers(opts: NodeCliOptions): {
  defaults: Record<string, unknown>;
  overrides: Record<string, unknown>;
} {
  const loaded = loadConfig(dataDir());
  const ofNetwork = (found: Sourced<string[]> | undefined) =>
    found?.network === undefined ? undefined : found.value;
  const network = {
    relays: ofNetwork(resolveRelays({ relay: opts.relay, network: opts.network }, loaded)),
    allowedMints: ofNetwork(resolveMints({ mint: opts.mint, network: opts.network }, loaded)),
  };
  const byFlag = opts.network !== undefined;
  const flags = flagsToConfig(opts);
  return {
    defaults: { dataDir: dataDir(), model: loaded.config.models?.node, ...(byFlag ? {} : network) },
    overrides: byFlag
      ? {
          ...flags,
          relays: flags.relays ?? network.relays,
          allowedMints: flags.allowedMints ?? network.allowedMints,
        }
      : flags,
  };
}

/** Flags as a partial config; unset flags stay undefined so the file and env can supply them. */
function flagsToConfig(opts: NodeCliOptions): Record<string, unknown> {
  const prices = { inputPer1k: opts.priceIn, outputPer1k: opts.priceOut, minimum: opts.priceMin };
  return {
    relays: opts.relay,
    model: opts.model,
    modelName: opts.modelName,
    slots: opts.slots,
    queue: opts.queue,
    maxBatch: opts.maxBatch,
    threads: opts.threads,
    contextSize: opts.contextSize,
    gpu: opts.gpu && gpuSetting(opts.gpu),
    free: opts.free,
    prices: Object.values(prices).some((value) => value !== undefined) ? withoutUndefined(prices) : undefined,
    allowedMints: opts.mint,
    maxTokens: opts.maxTokens,
    serveOpen: opts.serveOpen,
    dataDir: opts.dataDir,
    keyFile: opts.keyFile,
    name: opts.name,
    about: opts.about,
    announceIntervalSec: opts.announceEvery,
    shutdownGraceSec: opts.grace,
  };
}

function statusLine(status: NodeStatus): string {
  const { jobs } = status;
  return (
    `pylon node: served ${jobs.served}, failed ${jobs.failed}, cancelled ${jobs.cancelled}, ` +
    `refused ${jobs.refused} (busy ${jobs.busy}), payment-required ${jobs.paymentRequired}, batches ${jobs.batches}; ` +
    `running ${status.activeJobs}/${status.slots}, queued ${status.queueDepth}/${status.maxQueue}; ` +
    `${status.tokensGenerated} tokens at ${status.tokensPerSecond} tok/s; up ${status.uptimeSec}s; ` +
    relaySummary(status.relays) +
    (status.earnings
      ? `; earned ${status.earnings.creditedSats} sats (redeemed ${status.earnings.redeemedSats}, held ${status.earnings.heldSats}, lost ${status.earnings.lostSats})`
      : "")
  );
}

async function saveStatus(file: string, status: NodeStatus): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(
    temporary,
    `${JSON.stringify({ ...status, writtenAt: new Date().toISOString() }, null, 2)}\n`,
  );
  await rename(temporary, file); // readers never see half a file
}

async function printSavedStatus(dir: string): Promise<void> {
  const file = join(dir, STATUS_FILE);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    throw new Error(`no node status in ${dir} (a running node writes ${STATUS_FILE} with each status line)`);
  }
  console.log(text.trimEnd());
}

function cliLogger(quiet: boolean): Logger {
  const line = (message: string) => console.error(`pylon node: ${message}`);
  return { info: quiet ? () => undefined : line, warn: line, error: line };
}

function withoutUndefined(record: Record<string, number | undefined>): Record<string, number> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined)) as Record<
    string,
    number
  >;
}
