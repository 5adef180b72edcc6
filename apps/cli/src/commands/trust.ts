/**
 * `pylon trust list|block|clear`: the buyer's reputation book (<data dir>/trust.db), which `pylon run` fills
 * as it pays providers on the market and checks their answers. A provider caught cheating, or blocked here,
 * gets no work until cleared here.
 */
import { ReputationBook } from "@pylon/trust";
import { Command } from "commander";
import { dataDir } from "../options.js";
import { bookFile, openBookIfAny } from "../trust/book-file.js";
import { bookEntry, formatBookEntry } from "../trust/book-view.js";
import { publicKeyArg, shortNpub } from "../trust/keys.js";

export function trustCommand(): Command {
  const trust = new Command("trust")
    .description("the reputation book: what each provider did for you, checks passed and failed, blocks")
    .addHelpText(
      "after",
      "\nThe book is <data dir>/trust.db; `pylon run` on the market records every job, payment and spot check in it.\n" +
        "A provider caught cheating is blocked across runs until `pylon trust clear` (see docs/trust.md).",
    );
  trust
    .command("list")
    .description("every provider in the book, most recently seen first: jobs, checks, sats, trust, blocks")
    .option("--json", "print JSON")
    .action((opts: { json?: boolean }) => {
      const home = dataDir();
      const book = openBookIfAny(home);
      const records = book?.list() ?? [];
      book?.close();
      if (opts.json) {
        console.log(JSON.stringify(records.map(bookEntry), null, 2));
        return;
      }
      if (records.length === 0) {
        console.log(
          `the reputation book (${bookFile(home)}) is empty: providers enter it when \`pylon run\` sends them work on the market`,
        );
        return;
      }
      const now = Date.now();
      for (const record of records) console.log(formatBookEntry(record, now));
    });
  trust
    .command("block")
    .description("give a provider no more work, in any run, until `pylon trust clear`")
    .argument("<provider>", "npub or hex public key")
    .option("--reason <text>", "why (shown by `pylon trust list`)", "blocked by the user")
    .action((provider: string, opts: { reason: string }) => {
      const pubkey = publicKeyArg(provider);
      const book = ReputationBook.open(bookFile(dataDir()));
      try {
        const before = book.get(pubkey)?.blocked;
        book.block(pubkey, opts.reason, "user");
        if (before)
          console.log(`${shortNpub(pubkey)} was already blocked (${before.by}: ${before.reason}); kept`);
        else console.log(`${shortNpub(pubkey)} blocked: ${opts.reason}`);
      } finally {
        book.close();
      }
    });
  trust
    .command("clear")
    .description("lift a provider's block and forget its check history (it starts over as a stranger)")
    .argument("<provider>", "npub or hex public key")
    .action((provider: string) => {
      const pubkey = publicKeyArg(provider);
      const home = dataDir();
      const book = openBookIfAny(home);
      try {
        if (!book?.clear(pubkey))
          throw new Error(`${shortNpub(pubkey)} is not in the reputation book (${bookFile(home)})`);
        console.log(
          `${shortNpub(pubkey)} cleared: block and check history forgotten (jobs and sats stay on record)`,
        );
      } finally {
        book?.close();
      }
    });
  return trust;
}
