import { join } from "node:path";
import { canonicalMintUrl, type Operation, openWallet, type PylonWallet } from "@pylon/wallet";
import { Command } from "commander";
import { collect, dataDir, mintFrom, NETWORK_FLAG, parsePositiveInt } from "../options.js";
import type { RefundsCliOptions } from "./wallet-refunds.js";

interface WalletCliOptions {
  mint?: string;
  network?: string;
  json?: boolean;
}

/** `pylon wallet …`: the Cashu wallet under <data dir>/wallet/ (wallet.db + a 0600 seed file). */
export function walletCommand(): Command {
  const wallet = new Command("wallet")
    .description("Cashu ecash wallet (testnet): balance, fund, send, receive, withdraw, refunds, history")
    .addHelpText(
      "after",
      "\nThe mint comes from --mint, else --network's, else $PYLON_MINT, else config.json's network, else the\n" +
        "first mint this wallet already used.\n" +
        "Data: <data dir>/wallet/wallet.db and the seed file <data dir>/wallet/seed (mode 0600; back it up).",
    );
  const sub = (name: string, description: string) =>
    wallet
      .command(name)
      .description(description)
      .option("--mint <url>", "mint URL (env: PYLON_MINT)")
      .option(...NETWORK_FLAG)
      .option("--json", "print the result as JSON");

  sub(
    "balance",
    "sats per mint: spendable, handed out and not yet claimed (pending), in flight (reserved)",
  ).action((opts: WalletCliOptions) =>
    withWallet(opts, false, async (w) => {
      // Handed-out tokens the receiver claimed are spent, not pending: ask the mint (NUT-07).
      for (const [mint, t] of Object.entries(w.balance().byMint)) {
        if (t.pending === 0) continue;
        await w
          .checkPending({ mint })
          .catch((error: unknown) =>
            console.error(
              `pylon wallet: could not ask ${mint} which pending tokens were claimed (shown as pending): ${(error as Error).message}`,
            ),
          );
      }
      const b = w.balance();
      if (opts.json) return print(b);
      for (const [mint, t] of Object.entries(b.byMint)) {
        console.log(`${mint}  ${t.unspent} sats (pending ${t.pending}, reserved ${t.reserved})`);
      }
      console.log(
        `total  ${b.total.unspent} sats (pending ${b.total.pending}, reserved ${b.total.reserved})`,
      );
    }),
  );

  sub("fund", "mint ecash from a Lightning invoice (a local test mint pays it itself)")
    .argument("<sats>", "amount in sats", parsePositiveInt)
    .option("--wait <seconds>", "how long to wait for the invoice to be paid", parsePositiveInt, 60)
    .action((sats: number, opts: WalletCliOptions & { wait: number }) =>
      withWallet(opts, true, async (w) => {
        const op = await w.fund(sats, {
          timeoutMs: opts.wait * 1000,
          onInvoice: (invoice) => console.error(`pylon wallet: pay this invoice: ${invoice}`),
        });
        report(opts, op, `funded ${op.amount} sats from ${op.mintUrl}`);
      }),
    );

  sub("send", "make a bearer token (printed alone on stdout); its sats stay pending until claimed")
    .argument("<sats>", "amount in sats", parsePositiveInt)
    .action((sats: number, opts: WalletCliOptions) =>
      withWallet(opts, true, async (w) => {
        const { op, token } = await w.send(sats);
        if (opts.json) return print({ ...op, token });
        console.log(token);
        console.error(
          `pylon wallet: sent ${op.amount} sats (fee ${op.fee}) from ${op.mintUrl} (operation ${op.id})`,
        );
      }),
    );

  /** A subcommand that takes one string, does one wallet operation with it and reports it in one line. */
  const operation = (
    name: string,
    description: string,
    argument: [name: string, description: string],
    needsMint: boolean,
    perform: (w: PylonWallet, value: string) => Promise<Operation>,
    said: (op: Operation) => string,
  ) =>
    sub(name, description)
      .argument(...argument)
      .action((value: string, opts: WalletCliOptions) =>
        withWallet(opts, needsMint, async (w) => {
          const op = await perform(w, value);
          report(opts, op, said(op));
        }),
      );

  operation(
    "receive",
    "swap a token into this wallet (the token's mint must be --mint or one already used)",
    ["<token>", "cashuB… token"],
    false,
    (w, token) => w.receive(token),
    (op) => `received ${op.amount} sats (fee ${op.fee}) into ${op.mintUrl}`,
  );

  operation(
    "withdraw",
    "pay a bolt11 Lightning invoice; change comes back",
    ["<invoice>", "bolt11 invoice"],
    true,
    (w, invoice) => w.withdraw(invoice),
    (op) => `paid ${op.amount} sats (fee ${op.fee}) from ${op.mintUrl}`,
  );

  sub(
    "refunds",
    "take in the refunds to this data dir's buyer key on the relays (expired tabs, closes given up on) and list them",
  )
    .option("--relay <url>", "relay to read (repeatable; env: PYLON_RELAYS)", collect)
    .option("--timeout <ms>", "how long to wait for each relay query", parsePositiveInt, 5_000)
    .option("--swarm-db <file>", "the run store (default: <data dir>/swarm.db)")
    .action((opts: WalletCliOptions & RefundsCliOptions) =>
      withWallet(opts, true, async (w) => {
        // Loaded only here: the swarm and the relay pool are heavy for the other wallet commands.
        const { walletRefunds } = await import("./wallet-refunds.js");
        await walletRefunds(w, canonicalMintUrl(mintFrom(opts.mint, opts.network) ?? w.mints[0]!), opts);
      }),
    );

  sub("history", "every operation with its amount and fee, newest first")
    .option("--limit <n>", "show at most n operations", parsePositiveInt)
    .action((opts: WalletCliOptions & { limit?: number }) =>
      withWallet(opts, false, async (w) => {
        const ops = w.history({ ...(opts.limit ? { limit: opts.limit } : {}) });
        if (opts.json) return print(ops);
        for (const op of ops) {
          const when = new Date(op.createdAt).toISOString().replace("T", " ").slice(0, 19);
          const error = op.error ? `  (${op.error})` : "";
          console.log(
            `${when}  ${op.kind.padEnd(8)} ${op.state.padEnd(9)} ${String(op.amount).padStart(8)} sats  fee ${op.fee}  ${op.mintUrl}  ${op.id}${error}`,
          );
        }
      }),
    );
  return wallet;
}

/** Opens the wallet, settling anything a crashed run left behind, runs `fn`, closes it. */
async function withWallet(
  opts: WalletCliOptions,
  needsMint: boolean,
  fn: (w: PylonWallet) => Promise<void>,
): Promise<void> {
  const dir = join(dataDir(), "wallet");
  const mint = mintFrom(opts.mint, opts.network);
  const w = await openWallet({
    dbPath: join(dir, "wallet.db"),
    seedPath: join(dir, "seed"),
    mintUrls: mint ? [mint] : [],
    recover: false,
  });
  try {
    const recovered = await w.recover();
    for (const e of recovered.errors)
      console.error(`pylon wallet: could not settle operation ${e.opId} yet: ${e.error}`);
    if (needsMint && w.mints.length === 0) {
      throw new Error(
        "no mint configured: pass --mint <url> or --network NAME, or set PYLON_MINT (e.g. a local test mint)",
      );
    }
    await fn(w);
  } finally {
    w.close();
  }
}

function report(opts: WalletCliOptions, op: Operation, line: string): void {
  if (opts.json) print(op);
  else console.log(`${line} (operation ${op.id})`);
}

function print(value: unknown): void {
  console.log(JSON.stringify(value, null, 2));
}
