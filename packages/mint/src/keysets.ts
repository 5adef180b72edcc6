/**
 * NUT-01/02 keysets, derived deterministically from one seed kept in the database, so a restart (or a second
 * process on the same file) signs with the same keys. Keys come from cashu-ts's `createNewMintKeys`.
 */
import { createHmac, randomBytes } from "node:crypto";
import { createNewMintKeys } from "@cashu/cashu-ts";
import type { Db } from "./db.js";

/** Denominations 1, 2, 4, … 2^31: one proof carries at most ~2.1 billion of the unit. */
const POW2_HEIGHT = 32;
export const MAX_DENOMINATION = 2 ** (POW2_HEIGHT - 1);

export interface Keyset {
  id: string;
  unit: string;
  inputFeePpk: number;
  /** Active keysets sign; inactive ones (other fee or unit than configured now) are still redeemable. */
  active: boolean;
  /** Amount → compressed public key in hex (the NUT-01 `keys` object). */
  publicKeys: Record<string, string>;
  privateKey(amount: number): Uint8Array | undefined;
}

/** Returns the stored seed, storing `given` (or a fresh random one) on first use. */
export function loadSeed(db: Db, given?: Uint8Array): Uint8Array {
  if (given && (given.length < 16 || given.length > 64)) throw new Error("mint seed must be 16 to 64 bytes");
  const row = db.prepare("SELECT value FROM meta WHERE key = 'seed'").get() as { value: string } | undefined;
  if (row) {
    const stored = Buffer.from(row.value, "hex");
    if (given && !stored.equals(Buffer.from(given))) {
      throw new Error(
        "the database already holds a different mint seed; refusing to re-key an existing mint",
      );
    }
    return new Uint8Array(stored);
  }
  const seed = given ?? new Uint8Array(randomBytes(64));
  db.prepare("INSERT INTO meta (key, value) VALUES ('seed', ?)").run(Buffer.from(seed).toString("hex"));
  return seed;
}

// Deriving 32 BIP-32 keys costs ~150 ms; tests restart mints on the same seed often.
const derived = new Map<string, Keyset>();

function deriveKeyset(seed: Uint8Array, unit: string, inputFeePpk: number): Omit<Keyset, "active"> {
  const cacheKey = `${Buffer.from(seed).toString("hex")}|${unit}|${inputFeePpk}`;
  const hit = derived.get(cacheKey);
  if (hit) return hit;
  // One sub-seed per (unit, fee): keysets that differ only in fee must not share private keys, or a proof
  // could be re-labelled to the cheaper keyset.
  const subSeed = createHmac("sha512", seed).update(`pylon-mint keyset|${unit}|${inputFeePpk}`).digest();
  const pair = createNewMintKeys(POW2_HEIGHT, new Uint8Array(subSeed), { unit, input_fee_ppk: inputFeePpk });
  const publicKeys: Record<string, string> = {};
  for (const [amount, key] of Object.entries(pair.pubKeys))
    publicKeys[amount] = Buffer.from(key).toString("hex");
  const keyset = {
    id: pair.keysetId,
    unit,
    inputFeePpk,
    active: true,
    publicKeys,
    privateKey: (amount: number) => pair.privKeys[String(amount)],
  };
  derived.set(cacheKey, keyset);
  return keyset;
}

export class Keysets {
  private readonly byId = new Map<string, Keyset>();

  /** Activates one keyset per unit at `inputFeePpk`; every other stored keyset stays, inactive. */
  constructor(db: Db, seed: Uint8Array, units: readonly string[], inputFeePpk: number) {
    const now = Math.floor(Date.now() / 1000);
    const rows = db.prepare("SELECT id, unit, input_fee_ppk FROM keysets").all() as {
      id: string;
      unit: string;
      input_fee_ppk: number;
    }[];
    const activeIds = new Set<string>();
    for (const unit of units) {
      const keyset = deriveKeyset(seed, unit, inputFeePpk);
      activeIds.add(keyset.id);
      if (!rows.some((r) => r.id === keyset.id)) {
        db.prepare(
          "INSERT INTO keysets (id, unit, input_fee_ppk, active, created_at) VALUES (?, ?, ?, 1, ?)",
        ).run(keyset.id, unit, inputFeePpk, now);
        rows.push({ id: keyset.id, unit, input_fee_ppk: inputFeePpk });
      }
    }
    const setActive = db.prepare("UPDATE keysets SET active = ? WHERE id = ?");
    for (const row of rows) {
      const keyset = deriveKeyset(seed, row.unit, row.input_fee_ppk);
      if (keyset.id !== row.id) throw new Error(`keyset ${row.id} does not derive from this mint's seed`);
      const active = activeIds.has(row.id);
      setActive.run(active ? 1 : 0, row.id);
      this.byId.set(row.id, { ...keyset, active });
    }
  }

  get(id: string): Keyset | undefined {
    return this.byId.get(id);
  }

  all(): Keyset[] {
    return [...this.byId.values()];
  }

  active(): Keyset[] {
    return this.all().filter((k) => k.active);
  }

  activeFor(unit: string): Keyset | undefined {
    return this.all().find((k) => k.active && k.unit === unit);
  }
}
