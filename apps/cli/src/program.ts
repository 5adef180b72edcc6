import { Command } from "commander";
import { benchCommand } from "./commands/bench.js";
import { demoCommand } from "./commands/demo.js";
import { mintCommand } from "./commands/mint.js";
import { modelsCommand } from "./commands/models.js";
import { nodeCommand } from "./commands/node.js";
import { relayCommand } from "./commands/relay.js";
import { runCommand } from "./commands/run.js";
import { walletCommand } from "./commands/wallet.js";
import { version } from "./version.js";

/** The `pylon` command tree. Each subcommand only parses flags and wires packages together. */
export function buildProgram(): Command {
  return new Command("pylon")
    .description("Pylon: a compute market over Nostr that runs Recursive Language Models")
    .version(version, "-v, --version")
    .showHelpAfterError()
    .addCommand(demoCommand())
    .addCommand(nodeCommand())
    .addCommand(modelsCommand())
    .addCommand(relayCommand())
    .addCommand(mintCommand())
    .addCommand(runCommand())
    .addCommand(walletCommand())
    .addCommand(benchCommand());
}
