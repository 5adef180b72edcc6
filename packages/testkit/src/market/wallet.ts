import path from "node:path";
import { openWallet, type PylonWallet } from "@pylon/wallet";
import type { Cleanup } from "../cleanup.js";
import { tempDir } from "../temp.js";

/** A buyer wallet on temp files that uses `mintUrls`, funded with `fundSats` from the first (0: unfunded). */
export async function fundedWallet(
  cleanup: Cleanup,
  mintUrls: string | string[],
  fundSats = 0,
): Promise<PylonWallet> {
  const dir = await tempDir(cleanup, "pylon-buyer-");
  const wallet = await openWallet({
    dbPath: path.join(dir, "wallet.db"),
    seedPath: path.join(dir, "seed"),
    mintUrls: typeof mintUrls === "string" ? [mintUrls] : mintUrls,
  });
  cleanup.add(() => wallet.close());
  if (fundSats > 0) await wallet.fund(fundSats);
  return wallet;
}
