import { join } from "node:path";
import type { MintOptions, RunningMint } from "@pylon/mint";
import { Cleanup, tempDir } from "@pylon/testkit";
import { startTestMint } from "@pylon/testkit/market";
import type { AcceptOptions } from "../src/payments/accept.js";
import type { KeysetDirectory } from "../src/payments/keysets.js";
import type { PaymentLedger } from "../src/payments/ledger.js";
import type { PylonWallet } from "../src/wallet.js";
import { openWallet } from "../src/wallet.js";

/** Temp dirs, local mints and wallets a test file made, on testkit; `cleanup.run()` releases them all. */
export class Fixture {
  readonly cleanup = new Cleanup();

  dir(): Promise<string> {
    return tempDir(this.cleanup, "pylon-wallet-");
  }

  mint(opts: Partial<MintOptions> = {}): Promise<RunningMint> {
    return startTestMint(this.cleanup, opts.inputFeePpk ?? 0, opts);
  }

  /** A wallet with its own db and seed file in a fresh directory (or in `dir`, to reopen one). */
  async wallet(mintUrls: string[], dir?: string): Promise<PylonWallet> {
    const home = dir ?? (await this.dir());
    const w = await openWallet({ dbPath: join(home, "wallet.db"), seedPath: join(home, "seed"), mintUrls });
    return this.cleanup.use(w, (opened) => opened.close());
  }
}

/** A provider's offline checks of a payment of `price` sats at `mintUrl`, locked for at least 5 minutes. */
export function acceptOptions(
  provider: PylonWallet,
  ledger: PaymentLedger,
  price: number,
  at: { mintUrl: string; keysets: KeysetDirectory },
): AcceptOptions {
  return {
    allowedMints: [at.mintUrl],
    keysets: at.keysets,
    paymentKey: provider.p2pk.pubkey,
    minLocktime: Math.floor(Date.now() / 1000) + 300,
    priceSats: price,
    seenYs: ledger,
  };
}
