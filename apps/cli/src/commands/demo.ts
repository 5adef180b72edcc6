import { randomBytes } from "node:crypto";
import { join } from "node:path";
import type { ModelSpec } from "@pylon/rlm";
import { Command } from "commander";
import { renderReport } from "../demo/report.js";
import { runDemo } from "../demo/run-demo.js";
import { dataDir, openaiFromEnv, parsePositiveInt, parseSeed } from "../options.js";
import { rootOption } from "../rlm-options.js";
import { newLogFile } from "../run/manifest.js";
import { printRecords } from "../run/record-line.js";
import { abortOnSignals } from "../run/signals.js";
import { addUiOptions, type OpenUi, startUi, type UiCliOptions } from "../view/ui-flag.js";

interface DemoCliOptions extends UiCliOptions {
  providers: number;
  root: ModelSpec;
  model?: string;
  seed?: number;
  log?: string;
  json?: boolean;
}

/** Anything still holding the event loop this long after the demo stopped everything is a leak: say so. */
const EXIT_WATCHDOG_MS = 5_000;

export function demoCommand(): Command {
  const command = new Command("demo")
    .description(
      "the whole market offline in one process tree: local relay and testnet mint, paid providers, and an RLM run over them",
    )
    .option("--providers <k>", "provider nodes to start", parsePositiveInt, 4)
    .addOption(rootOption("root model: scripted | openai:MODEL | llama:PATH"))
    .option(
      "--model <file|hf:uri>",
      "GGUF the providers serve; hf: URIs and URLs are downloaded once into <data dir>/models (default: a generated tiny random-weight GGUF)",
    )
    .option("--seed <n>", "seed of the generated S-NIAH task (default: random)", parseSeed)
    .option("--log <file>", "trajectory log, JSONL (default: <data dir>/runs/demo-<time>.jsonl)")
    .option("--json", "print the report as JSON");
  return addUiOptions(command, "the demo's run, live")
    .addHelpText(
      "after",
      "\nEverything runs on 127.0.0.1 (free ports) and in a temp folder, and stops when the demo ends; only the\n" +
        "log is kept. The default root is SCRIPTED: its Python code finds the needle with a regex, and the\n" +
        "default providers' model has random weights, so the paid sub-calls are real jobs whose text is noise.\n" +
        "--root and --model swap in real models. Progress goes to stderr, the report to stdout; the exit code\n" +
        "is 0 only when there is an answer (the gold one, for the scripted root) and the accounting holds to the sat.",
    )
    .action(async (opts: DemoCliOptions) => {
      const controller = new AbortController();
      const stopListening = abortOnSignals(controller);
      const say = (line: string) => console.error(`demo: ${line}`);
      const logFile = opts.log ?? newLogFile(dataDir(), "demo-");
      let ui: OpenUi | undefined;
      try {
        if (opts.ui) {
          ui = await startUi({ home: dataDir(), logFile, name: "pylon demo", open: opts.open !== false });
        }
        const report = await runDemo({
          providers: opts.providers,
          root: opts.root,
          model: opts.model,
          modelsDir: join(dataDir(), "models"),
          seed: opts.seed ?? randomBytes(4).readUInt32BE() % 1_000_000,
          logFile,
          say,
          onRecord: printRecords(),
          openai: openaiFromEnv(),
          signal: controller.signal,
        });
        console.log(opts.json ? JSON.stringify(report, null, 2) : renderReport(report));
        if (!report.ok) process.exitCode = 1;
      } catch (error) {
        await ui?.close();
        ui = undefined;
        if (!controller.signal.aborted) throw error;
        say("interrupted; everything it started has been stopped");
        process.exitCode = 130;
      } finally {
        stopListening();
      }
      if (ui) {
        ui.keepOpen("pylon demo"); // the watchdog below would count the viewer as a leak
        return;
      }
      setTimeout(() => {
        console.error(
          `pylon demo: something is still running ${EXIT_WATCHDOG_MS / 1000} s after the demo ended`,
        );
        process.exit(process.exitCode ?? 1);
      }, EXIT_WATCHDOG_MS).unref();
    });
}
