import { join } from "node:path";
import { startMint, TESTNET_WARNING } from "@pylon/mint";
import { Command, InvalidArgumentError } from "commander";
import { parsePort } from "../options.js";
import { dataDir } from "../paths.js";
import { onShutdown } from "../shutdown.js";

function parseFeePpk(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 100_000) {
    throw new InvalidArgumentError(`"${value}" is not an input fee in ppk (0-100000).`);
  }
  return n;
}

export function mintCommand(): Command {
  return new Command("mint")
    .description(`run a local Cashu mint with fake Lightning, for tests and demos (${TESTNET_WARNING})`)
    .option("-p, --port <n>", "port to listen on (0 picks a free port)", parsePort, 3338)
    .option("--host <address>", "address to listen on", "127.0.0.1")
    .option("--db <file>", 'SQLite file, or ":memory:" for a throwaway mint (default: <data dir>/mint.db)')
    .option("--input-fee-ppk <n>", "NUT-02 input fee per proof, in parts per thousand", parseFeePpk, 0)
    .option("--force-non-loopback", "listen on a non-loopback address even though anyone can mint for free")
    .option("--quiet", "do not log")
    .addHelpText(
      "after",
      "\nMint quotes are paid the moment they are created and melts succeed at once: the ecash is worthless.\n" +
        "Stop it with Ctrl-C (SIGINT) or SIGTERM; keys, quotes and spent proofs in a file database survive.",
    )
    .action(async (opts: MintCliOptions) => {
      const db = opts.db ?? join(dataDir(), "mint.db");
      const mint = await startMint({
        host: opts.host,
        port: opts.port,
        db,
        inputFeePpk: opts.inputFeePpk,
        allowNonLoopback: opts.forceNonLoopback,
        log: opts.quiet ? undefined : (line) => console.error(line),
      });
      // The lines scripts wait for: the URL (even when --port 0 picked it) and what this mint is not.
      console.log(`pylon mint listening on ${mint.url} (db: ${db})`);
      console.log(`${TESTNET_WARNING}: fake Lightning, keysets ${mint.keysetIds.join(", ")}`);
      onShutdown(async (signal) => {
        console.error(`pylon mint: ${signal}, shutting down`);
        await mint.close();
        console.error(`pylon mint: stopped; stats ${JSON.stringify(mint.stats())}`);
      });
    });
}

interface MintCliOptions {
  port: number;
  host: string;
  db?: string;
  inputFeePpk: number;
  forceNonLoopback?: boolean;
  quiet?: boolean;
}
