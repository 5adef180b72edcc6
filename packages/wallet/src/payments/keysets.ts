/**
 * The mint keys a provider checks payments against. Keys are fetched from the allow-listed mint itself,
 * never taken from a token, and every keyset id is recomputed from its keys (NUT-02) so a mint cannot
 * answer with keys that do not match the id proofs name. Lookups are synchronous and in memory: accepting
 * a payment makes no network call. Refresh on a schedule (or when a token names an unknown keyset, at
 * most every so often) with `refresh`.
 */
import { Keyset, Mint, type MintKeys } from "@cashu/cashu-ts";
import { callMint, canonicalMintUrl } from "../mint-session.js";

export interface KnownKeyset {
  id: string;
  unit: string;
  active: boolean;
  /** Input fee in parts per thousand per proof (NUT-02). */
  feePpk: number;
  keys: MintKeys["keys"];
}

export class KeysetDirectory {
  private readonly mints = new Map<string, Map<string, KnownKeyset>>();
  private readonly refreshedAt = new Map<string, number>();

  /** Fetches every keyset of `mintUrl` with its keys; keysets whose id does not match their keys are dropped. */
  async refresh(mintUrl: string): Promise<KnownKeyset[]> {
    const url = canonicalMintUrl(mintUrl);
    const mint = new Mint(url);
    const { keysets } = await callMint(url, () => mint.getKeySets());
    const known = new Map<string, KnownKeyset>();
    for (const meta of keysets) {
      const { keysets: keys } = await callMint(url, () => mint.getKeys(meta.id));
      const k = keys.find((x) => x.id === meta.id);
      if (!k || !Keyset.verifyKeysetId(k)) continue;
      known.set(meta.id, {
        id: meta.id,
        unit: meta.unit,
        active: meta.active,
        feePpk: meta.input_fee_ppk ?? 0,
        keys: k.keys,
      });
    }
    this.mints.set(url, known);
    this.refreshedAt.set(url, Date.now());
    return [...known.values()];
  }

  /** Adds keysets from a cache the caller persisted (e.g. `export()` of an earlier run). */
  load(mintUrl: string, keysets: KnownKeyset[]): void {
    const url = canonicalMintUrl(mintUrl);
    const known = this.mints.get(url) ?? new Map<string, KnownKeyset>();
    for (const k of keysets) {
      if (Keyset.verifyKeysetId({ id: k.id, unit: k.unit, keys: k.keys })) known.set(k.id, k);
    }
    this.mints.set(url, known);
  }

  export(mintUrl: string): KnownKeyset[] {
    return [...(this.mints.get(canonicalMintUrl(mintUrl))?.values() ?? [])];
  }

  get(mintUrl: string, keysetId: string): KnownKeyset | undefined {
    return this.mints.get(mintUrl)?.get(keysetId);
  }

  ids(mintUrl: string): string[] {
    return [...(this.mints.get(mintUrl)?.keys() ?? [])];
  }

  /** When `mintUrl` was last refreshed (ms), to rate-limit refreshes triggered by unknown keysets. */
  lastRefresh(mintUrl: string): number | undefined {
    return this.refreshedAt.get(canonicalMintUrl(mintUrl));
  }
}
