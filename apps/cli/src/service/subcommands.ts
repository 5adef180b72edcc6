/**
 * `pylon node install-service` and `uninstall-service`: the node, with the flags and PYLON_* variables given
 * now, as a launchd agent (macOS) or a systemd user unit (Linux) that restarts it on failure and logs to
 * <data dir>/logs/node.log. The files are rendered by ../service; this only checks, writes and removes.
 */
import { existsSync, lstatSync } from "node:fs";
import { chmod, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { isRemoteModel, type ProviderConfig } from "@pylon/provider";
import { Command, Option, type OptionValues } from "commander";
import { SERVICE_PLATFORMS, type ServiceSpec, servicePlatform, serviceTarget } from "./index.js";

/** Checks the node's flags as `pylon node` would before starting (config, model file); throws if it could not start. */
export type NodeConfigCheck = (nodeOptions: OptionValues) => Promise<ProviderConfig>;

/** The script `pylon` runs (dist/main.js), wherever the package is installed or linked from. */
const ENTRY = fileURLToPath(new URL("../main.js", import.meta.url));

/** Flags whose values are paths: made absolute, since the service does not run where they were typed. */
const PATH_FLAGS = new Set(["config", "dataDir", "keyFile"]);
/** The same for PYLON_* variables. */
const PATH_VARIABLES = new Set(["PYLON_HOME", "PYLON_CONFIG", "PYLON_DATA_DIR", "PYLON_KEY_FILE"]);

interface InstallOptions {
  print?: boolean;
  force?: boolean;
  platform?: string;
}

const platformOption = () =>
  new Option("--platform <os>", "service manager of this OS instead of the current one").choices(
    SERVICE_PLATFORMS,
  );

export function serviceCommands(checkConfig: NodeConfigCheck): Command[] {
  const install = new Command("install-service")
    .description(
      "install this node (the node flags given here) as a launchd agent (macOS) or systemd user unit (Linux)",
    )
    .addOption(platformOption())
    .option("--print", "print the service file instead of writing it")
    .option("--force", "replace an existing, different service file")
    .addHelpText(
      "after",
      "\nTakes the same flags as `pylon node` (e.g. pylon node install-service --model m.gguf --relay wss://…).\n" +
        "The service restarts the node on failure and appends its output to <data dir>/logs/node.log.",
    )
    .action(async (opts: InstallOptions, command: Command) =>
      installService(opts, command.parent!, checkConfig),
    );
  const uninstall = new Command("uninstall-service")
    .description("remove the node's launchd agent or systemd user unit")
    .addOption(platformOption())
    .action(async (opts: InstallOptions) => uninstallService(opts));
  return [install, uninstall];
}

async function installService(
  opts: InstallOptions,
  node: Command,
  checkConfig: NodeConfigCheck,
): Promise<void> {
  const target = serviceTarget(servicePlatform(opts.platform), homedir());
  const config = await checkConfig(node.opts());
  const dataDir = resolve(config.dataDir);
  const spec: ServiceSpec = {
    argv: [process.execPath, ENTRY, "node", ...nodeFlags(node)],
    env: pylonEnvironment(process.env),
    workingDirectory: dataDir,
    logFile: join(dataDir, "logs", "node.log"),
  };
  const text = target.render(spec);
  if (opts.print) {
    process.stdout.write(text);
    return;
  }
  const existing = await readFile(target.file, "utf8").catch(() => undefined);
  if (existing === text) {
    console.log(`${target.kind} ${target.file} is already installed, unchanged`);
  } else {
    if (existing !== undefined && !opts.force)
      throw new Error(
        `${target.file} already exists and differs; pass --force to replace it (or run uninstall-service first)`,
      );
    await mkdir(dirname(target.file), { recursive: true });
    await mkdir(dirname(spec.logFile), { recursive: true, mode: 0o700 });
    await writeFile(target.file, text, { mode: 0o644 });
    await chmod(target.file, 0o644); // a replaced file keeps its old mode otherwise
    console.log(`wrote ${target.kind} ${target.file} (logs: ${spec.logFile})`);
  }
  console.log(`start it now and at every login: ${target.loadCommand}`);
}

async function uninstallService(opts: InstallOptions): Promise<void> {
  const target = serviceTarget(servicePlatform(opts.platform), homedir());
  if (!existsSync(target.file)) throw new Error(`no node service to remove: ${target.file} does not exist`);
  await rm(target.file);
  for (const link of target.enablementLinks) if (isSymlink(link)) await rm(link);
  console.log(`removed ${target.kind} ${target.file}`);
  console.log(`stop the node if it is running: ${target.unloadCommand}`);
}

/** The node flags typed on this command line (not defaults), as argv again, paths made absolute. */
function nodeFlags(node: Command): string[] {
  const values = node.opts();
  const flags: string[] = [];
  for (const option of node.options) {
    const name = option.attributeName();
    if (node.getOptionValueSource(name) !== "cli" || option.long === undefined) continue;
    const value = values[name] as unknown;
    if (value === true) flags.push(option.long);
    else if (value !== false && value !== undefined)
      for (const item of Array.isArray(value) ? value : [value])
        flags.push(option.long, absoluteIf(name, String(item)));
  }
  return flags;
}

function absoluteIf(name: string, value: string): string {
  return PATH_FLAGS.has(name) || (name === "model" && !isRemoteModel(value)) ? resolve(value) : value;
}

/** PYLON_HOME (always: the node's default data dir) and every other PYLON_* variable set now, sorted. */
function pylonEnvironment(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = { PYLON_HOME: env.PYLON_HOME || join(homedir(), ".pylon") };
  for (const [name, value] of Object.entries(env))
    if (name.startsWith("PYLON_") && value !== undefined && value !== "" && name !== "PYLON_HOME")
      out[name] = value;
  for (const name of Object.keys(out)) {
    const value = out[name]!;
    if (PATH_VARIABLES.has(name) || (name === "PYLON_MODEL" && !isRemoteModel(value)))
      out[name] = resolve(value);
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

function isSymlink(file: string): boolean {
  try {
    return lstatSync(file).isSymbolicLink();
  } catch {
    return false;
  }
}
