/**
 * NUT-06 mint info. It advertises exactly what this mint implements, and says in every human-readable field
 * that it is a testnet mint with fake Lightning.
 */
import { createHmac } from "node:crypto";
import { getPubKeyFromPrivKey } from "@cashu/cashu-ts";
import type { MintUnit } from "./options.js";
import { MINT_VERSION } from "./version.js";

export const TESTNET_WARNING = "TESTNET ONLY — not real money";

/** Every NUT this mint implements; `nuts` in the info lists the optional ones (00–06 are mandatory). */
export const SUPPORTED_NUTS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 14] as const;

export function mintInfo(seed: Uint8Array, units: readonly MintUnit[], maxAmount: number) {
  const identity = createHmac("sha256", seed).update("pylon-mint identity").digest();
  const methods = (extra: Record<string, unknown>) =>
    units.map((unit) => ({ method: "bolt11", unit, min_amount: 1, max_amount: maxAmount, ...extra }));
  return {
    name: `Pylon testnet mint (${TESTNET_WARNING})`,
    pubkey: Buffer.from(getPubKeyFromPrivKey(new Uint8Array(identity))).toString("hex"),
    version: `pylon-mint/${MINT_VERSION}`,
    description: `${TESTNET_WARNING}. A local Cashu mint for tests and demos whose Lightning is fake.`,
    description_long:
      "Mint quotes are paid the moment they are created and melts succeed at once, so its ecash is worth " +
      "nothing. Never send real value here.",
    contact: [],
    motd: `${TESTNET_WARNING}: fake Lightning, worthless ecash.`,
    time: Math.floor(Date.now() / 1000),
    nuts: {
      "4": { methods: methods({ options: { description: true } }), disabled: false },
      "5": { methods: methods({}), disabled: false },
      "7": { supported: true },
      "8": { supported: true },
      "9": { supported: true },
      "10": { supported: true },
      "11": { supported: true },
      "12": { supported: true },
      "14": { supported: true },
    },
  };
}
