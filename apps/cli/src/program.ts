import { Command } from "commander";
import { relayCommand } from "./commands/relay.js";
import { version } from "./version.js";

/** The `pylon` command tree. Each subcommand only parses flags and wires packages together. */
export function buildProgram(): Command {
  return new Command("pylon")
    .description("Pylon: a compute market over Nostr that runs Recursive Language Models")
    .version(version, "-v, --version")
    .showHelpAfterError()
    .addCommand(relayCommand());
}
