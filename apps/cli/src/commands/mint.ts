import { startMint, TESTNET_WARNING } from "@pylon/mint";
import { Command } from "commander";
import { assertDbFolder } from "../db-folder.js";
import { addListenOptions, type ListenCliOptions, listenAt, parseFeePpk, serverLog } from "../options.js";
import { closeOnShutdown } from "../shutdown.js";

interface MintCliOptions extends ListenCliOptions {
  inputFeePpk: number;
  forceNonLoopback?: boolean;
}

export function mintCommand(): Command {
  const command = new Command("mint").description(
    `run a local Cashu mint with fake Lightning, for tests and demos (${TESTNET_WARNING})`,
  );
  return addListenOptions(command, "mint", 3338)
    .option("--input-fee-ppk <n>", "NUT-02 input fee per proof, in parts per thousand", parseFeePpk, 0)
    .option("--force-non-loopback", "listen on a non-loopback address even though anyone can mint for free")
    .option("--quiet", "do not log")
    .addHelpText(
      "after",
      "\nMint quotes are paid the moment they are created and melts succeed at once: the ecash is worthless.\n" +
        "Stop it with Ctrl-C (SIGINT) or SIGTERM; keys, quotes and spent proofs in a file database survive.",
    )
    .action(async (opts: MintCliOptions) => {
      const listen = listenAt(opts, "mint");
      assertDbFolder(listen.db);
      const mint = await startMint({
        ...listen,
        inputFeePpk: opts.inputFeePpk,
        allowNonLoopback: opts.forceNonLoopback,
        log: mintLog(serverLog(opts)),
      });
      // Before the lines scripts wait for: a SIGTERM sent as soon as they appear must find its handler.
      closeOnShutdown(
        "mint",
        () => mint.close(),
        () => `stats ${JSON.stringify(mint.stats())}`,
      );
      // The lines scripts wait for: the URL (even when --port 0 picked it) and what this mint is not.
      console.log(`pylon mint listening on ${mint.url} (db: ${listen.db})`);
      console.log(`${TESTNET_WARNING}: fake Lightning, keysets ${mint.keysetIds.join(", ")}`);
    });
}

/** The mint's log, less the lines this command says itself: the listening line (stdout) and "stopped". */
function mintLog(log: ((line: string) => void) | undefined): ((line: string) => void) | undefined {
  if (!log) return undefined;
  return (line) => {
    if (/^pylon mint: (.*; listening on |stopped$)/.test(line)) return;
    log(line);
  };
}
