import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type RunningMint, startMint } from "@pylon/mint";
import { openWallet, type PylonWallet } from "../src/wallet.js";

/** Temp dirs, mints and wallets a test file made; `cleanup()` in afterAll/afterEach releases them all. */
export class Fixture {
  private readonly dirs: string[] = [];
  private readonly mints: RunningMint[] = [];
  private readonly wallets: PylonWallet[] = [];

  dir(): string {
    const d = mkdtempSync(join(tmpdir(), "pylon-wallet-"));
    this.dirs.push(d);
    return d;
  }

  async mint(opts: Parameters<typeof startMint>[0] = {}): Promise<RunningMint> {
    const m = await startMint({ port: 0, db: ":memory:", ...opts });
    this.mints.push(m);
    return m;
  }

  /** A wallet with its own db and seed file in a fresh directory (or in `dir`, to reopen one). */
  async wallet(mintUrls: string[], dir = this.dir()): Promise<PylonWallet> {
    const w = await openWallet({ dbPath: join(dir, "wallet.db"), seedPath: join(dir, "seed"), mintUrls });
    this.wallets.push(w);
    return w;
  }

  async cleanup(): Promise<void> {
    for (const w of this.wallets.splice(0)) {
      try {
        w.close();
      } catch {
        // already closed by the test
      }
    }
    await Promise.all(this.mints.splice(0).map((m) => m.close()));
    for (const d of this.dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  }
}
