import { Command, InvalidArgumentError, Option } from "commander";
import { loadConfig } from "../config/resolve.js";
import {
  collect,
  dataDir,
  mintFrom,
  NETWORK_FLAG,
  parsePositiveInt,
  parsePositiveNumber,
  relaysConfigured,
} from "../options.js";
import { addRlmOptions, applyConfigDefaults, SWARM } from "../rlm-options.js";
import { executeRun, type RunCliOptions } from "../run/execute.js";
import { printReceipt } from "../run/receipt.js";
import { recordFinished, recordRun, resumeRun } from "../run/resume.js";
import { addTrustOptions, applyTrustConfig, trustFlagsGiven } from "../trust/run-flags.js";
import { addUiOptions, type OpenUi, startUi, type UiCliOptions } from "../view/ui-flag.js";

/** Why `pylon run` stops before anything starts when no root model is named (none is assumed). */
export const NO_ROOT =
  "no root model: name one with --root openai:MODEL (an OpenAI-compatible endpoint: OPENAI_BASE_URL, " +
  "OPENAI_API_KEY), --root llama:PATH (a local GGUF file), --root swarm:MODEL (the market's providers of " +
  "MODEL) or --root scripted (a deterministic stand-in that answers no real question)";

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
    .option(...NETWORK_FLAG)
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
    .addOption(
      new Option(
        "--spread <rule>",
        "market: how sub-calls spread over equally priced providers: finish (the earliest expected answer, payment wait included) | even (each its share, a tab at each)",
      ).choices(["finish", "even"]),
    )
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
  // No default root (help says so too): a real question is never answered by the scripted stand-in unless asked for.
  addUiOptions(addTrustOptions(addRlmOptions(command)), "this run, live")
    .options.find((option) => option.long === "--root")
    ?.default(undefined, "none: --root is required");
  return command
    .addHelpText(
      "after",
      "\nWith relays (--relay, --network, PYLON_RELAYS or config.json) and no --sub, sub-calls go to the market (--sub swarm).\n" +
        "--root swarm:MODEL puts the root on the market too: each root turn is a paid job carrying the whole conversation,\n" +
        "sent to the provider that served the turn before (its cache is warm) while it can, else to another.\n" +
        "openai models read OPENAI_BASE_URL (default https://api.openai.com/v1) and OPENAI_API_KEY.\n" +
        "The answer and then a receipt go to stdout (--json: the receipt as JSON; --quiet: the answer only),\n" +
        "progress to stderr; the exit code is 1 when the run ends without an answer or every sub-call failed.\n" +
        "--root has no default: name the root model (--root scripted is a stand-in that answers no real question).",
    )
    .action(async (question: string | undefined, opts: RunCliOptions & UiCliOptions) => {
      const startedAt = Date.now();
      const home = dataDir();
      const resumed = resumeRun(command, opts, home);
      question ??= resumed?.manifest?.question;
      if (question === undefined) throw new InvalidArgumentError("a question is needed (or --resume <run>)");
      if (!resumed) {
        const loaded = loadConfig(home);
        applyConfigDefaults(command, opts, loaded);
        applyTrustConfig(command, opts, loaded);
      }
      opts.mint = mintFrom(opts.mint, opts.network);
      opts.budgetSats = opts.budget ?? opts.budgetSats;
      opts.sub ??= relaysConfigured(opts.relay, opts.network) ? SWARM : undefined;
      const rootSource = command.getOptionValueSource("root");
      const rootNamed =
        (rootSource !== undefined && rootSource !== "default") ||
        resumed?.manifest?.options.root !== undefined;
      if (!rootNamed) throw new InvalidArgumentError(NO_ROOT);
      const onMarket = opts.sub?.kind === "swarm" || opts.root.kind === "swarm";
      const ignored = onMarket ? [] : trustFlagsGiven(command);
      if (ignored.length > 0 && !opts.quiet)
        console.error(
          `pylon: ${ignored.join(", ")}: for the market only (--sub swarm, --root swarm:MODEL); ignored`,
        );

      const run = await recordRun(home, {
        resumed,
        question,
        context: opts.context,
        log: opts.log,
        options: opts,
        startedAt,
      });
      // Said once the run has started: a run whose models or market never opened has nothing to resume.
      const started = (): void => {
        if (opts.quiet) return;
        console.error(
          `pylon: run ${run.runId}${resumed ? " resumed" : ""} (resume with: pylon run --resume ${run.runId})`,
        );
      };
      const ui: OpenUi | undefined = opts.ui
        ? await startUi({ home, logFile: run.logFile, name: "pylon run", open: opts.open !== false })
        : undefined;
      const receipt = await executeRun(run, opts, home, startedAt, started).catch(async (error: unknown) => {
        await ui?.close();
        throw error;
      });
      recordFinished(home, run);
      printReceipt(receipt, run.logFile, opts);
      ui?.keepOpen("pylon run");
    });
}
