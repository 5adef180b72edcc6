import { Command } from "commander";
import { version } from "./version.js";

/**
 * Each subcommand's module, loaded on demand: they pull in heavy packages (llama.cpp, Pyodide, cashu-ts),
 * so `pylon relay` should not pay for loading `pylon run`'s. Order here is the order in `pylon --help`.
 */
const COMMANDS: Record<string, () => Promise<Command>> = {
  demo: async () => (await import("./commands/demo.js")).demoCommand(),
  node: async () => (await import("./commands/node.js")).nodeCommand(),
  models: async () => (await import("./commands/models.js")).modelsCommand(),
  relay: async () => (await import("./commands/relay.js")).relayCommand(),
  mint: async () => (await import("./commands/mint.js")).mintCommand(),
  run: async () => (await import("./commands/run.js")).runCommand(),
  serve: async () => (await import("./commands/serve.js")).serveCommand(),
  mcp: async () => (await import("./commands/mcp.js")).mcpCommand(),
  providers: async () => (await import("./commands/providers.js")).providersCommand(),
  trust: async () => (await import("./commands/trust.js")).trustCommand(),
  wallet: async () => (await import("./commands/wallet.js")).walletCommand(),
  bench: async () => (await import("./commands/bench.js")).benchCommand(),
  config: async () => (await import("./commands/config.js")).configCommand(),
  doctor: async () => (await import("./commands/doctor.js")).doctorCommand(),
  view: async () => (await import("./commands/view.js")).viewCommand(),
};

/**
 * The `pylon` command tree. Each subcommand only parses flags and wires packages together. Given the
 * arguments, only the named subcommand is loaded; without one (or for `help`), all of them are, for the listing.
 */
export async function buildProgram(argv: readonly string[] = process.argv): Promise<Command> {
  const program = new Command("pylon")
    .description("Pylon: a compute market over Nostr that runs Recursive Language Models")
    .version(version, "-v, --version")
    .showHelpAfterError();
  const named = argv[2];
  if (named === "-v" || named === "--version") return program;
  const wanted = named !== undefined && named in COMMANDS ? [named] : Object.keys(COMMANDS);
  for (const command of await Promise.all(wanted.map((name) => COMMANDS[name]!())))
    program.addCommand(command);
  return program;
}
