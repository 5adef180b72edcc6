/**
 * startMint: wires database, keysets, fake Lightning, ledger and HTTP server together, and refuses to expose
 * a mint that prints free money anywhere but loopback unless told to.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { type Db, openDb } from "./db.js";
import { requestHandler } from "./http.js";
import { mintInfo, TESTNET_WARNING } from "./info.js";
import { Keysets, loadSeed } from "./keysets.js";
import { Ledger } from "./ledger.js";
import { FakeLightning } from "./lightning.js";
import { DEFAULTS, type MintOptions, type MintStats, type MintUnit, SUPPORTED_UNITS } from "./options.js";
import { routes } from "./routes.js";
import { Store } from "./store.js";

export interface RunningMint {
  /** Base URL, e.g. "http://127.0.0.1:41234": what a wallet's `new Wallet(url)` takes. */
  url: string;
  port: number;
  /** Ids of the active keysets, one per unit. */
  keysetIds: string[];
  /** Accounting for one unit (default: the first configured unit); after close, the figures at close. */
  stats(unit?: string): MintStats;
  /** Marks an UNPAID mint quote paid (fake Lightning settling); only useful with `autoPay: false`. */
  payMintQuote(quoteId: string): boolean;
  /**
   * Pays one of this mint's invoices the way a Lightning wallet would on the fake network (tests of payers
   * that hold only the invoice): its UNPAID, unexpired mint quote becomes PAID. False otherwise.
   */
  payInvoice(invoice: string): boolean;
  /** Stops listening, drops open connections and closes the database. Idempotent. */
  close(): Promise<void>;
}

/** True for addresses only this machine can reach. */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, "");
  return (
    h === "localhost" || h === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || h === "::ffff:127.0.0.1"
  );
}

function checkOptions(opts: MintOptions): { units: MintUnit[]; inputFeePpk: number } {
  const units = opts.units ?? [...DEFAULTS.units];
  if (units.length === 0) throw new Error("a mint needs at least one unit");
  for (const unit of units) {
    if (!(SUPPORTED_UNITS as readonly string[]).includes(unit)) {
      throw new Error(`unit ${unit} is not supported (supported: ${SUPPORTED_UNITS.join(", ")})`);
    }
  }
  const inputFeePpk = opts.inputFeePpk ?? DEFAULTS.inputFeePpk;
  if (!Number.isInteger(inputFeePpk) || inputFeePpk < 0 || inputFeePpk > 100_000) {
    throw new Error("inputFeePpk must be an integer between 0 and 100000");
  }
  return { units: [...new Set(units)], inputFeePpk };
}

export async function startMint(opts: MintOptions = {}): Promise<RunningMint> {
  const host = opts.host ?? DEFAULTS.host;
  if (!isLoopback(host) && !opts.allowNonLoopback) {
    throw new Error(
      `refusing to listen on ${host}: this mint's Lightning is fake and anyone who reaches it can mint for ` +
        "free. Pass allowNonLoopback (CLI: --force-non-loopback) if you really mean it.",
    );
  }
  const { units, inputFeePpk } = checkOptions(opts);
  const log = opts.log ?? (() => {});
  const dbPath = opts.db ?? DEFAULTS.db;

  let db: Db | undefined = openDb(dbPath);
  try {
    const seed = loadSeed(db, opts.seed);
    const keysets = new Keysets(db, seed, units, inputFeePpk);
    const store = new Store(db);
    const maxQuoteAmount = opts.maxQuoteAmount ?? DEFAULTS.maxQuoteAmount;
    const ledger = new Ledger(store, keysets, new FakeLightning(seed), {
      units,
      autoPay: opts.autoPay ?? DEFAULTS.autoPay,
      maxQuoteAmount,
      quoteTtlSeconds: opts.quoteTtlSeconds ?? DEFAULTS.quoteTtlSeconds,
    });
    const info = () => mintInfo(seed, units, maxQuoteAmount);
    const server = createServer(requestHandler(routes(ledger, keysets, info), log));
    // Long (the load balancers' usual 65 s, not 5): closing an idle keep-alive socket races the client's next
    // request on it, and the server loses whenever a big swap held its event loop for a second or two (the
    // timer runs before the waiting request is read): the client gets ECONNRESET mid-payment. Seen with 100
    // providers redeeming at once (lab/market/crowd.ts); a socket idle for a whole minute rarely meets one.
    server.keepAliveTimeout = 65_000;

    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(opts.port ?? DEFAULTS.port, host, () => {
        server.off("error", reject);
        resolve();
      });
    });
    const port = (server.address() as AddressInfo).port;
    const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
    log(`pylon mint: ${TESTNET_WARNING}; listening on ${url} (units: ${units.join(", ")}, db: ${dbPath})`);

    const openDbHandle = db;
    let closing: Promise<void> | undefined;
    // Figures as they were at close, so accounting can still be checked after the mint is gone.
    let final: Map<string, MintStats> | undefined;
    return {
      url,
      port,
      keysetIds: keysets.active().map((k) => k.id),
      stats: (unit = units[0] as string) => final?.get(unit) ?? store.stats(unit),
      payMintQuote: (quoteId) => ledger.payMintQuote(quoteId),
      payInvoice: (invoice) => ledger.payInvoice(invoice),
      close() {
        closing ??= new Promise<void>((resolve) => {
          server.close(() => {
            final = new Map(units.map((u) => [u, store.stats(u)]));
            openDbHandle.close();
            log("pylon mint: stopped");
            resolve();
          });
          server.closeAllConnections();
        });
        return closing;
      },
    };
  } catch (err) {
    db?.close();
    db = undefined;
    throw err;
  }
}
