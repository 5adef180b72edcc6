/**
 * Keys the wallet derives from its seed besides the NUT-13 secrets: the P2PK key pair used as the refund key
 * of locked payments it makes and as the lock key of payments it receives (a provider's payment key).
 */
import { createHmac } from "node:crypto";
import { getPubKeyFromPrivKey } from "@cashu/cashu-ts";

export interface P2PKKeyPair {
  /** 32-byte secret key, hex. */
  privkey: string;
  /** 33-byte compressed public key, hex (02/03…), as NUT-11 secrets carry it. */
  pubkey: string;
}

const ORDER = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

/** A deterministic secp256k1 key pair for `purpose`, from the wallet seed (HMAC-SHA256, retried if ≥ n). */
export function deriveKeyPair(seed: Uint8Array, purpose = "p2pk"): P2PKKeyPair {
  for (let i = 0; ; i++) {
    const sk = createHmac("sha256", Buffer.from(seed)).update(`pylon/${purpose}/${i}`).digest();
    const k = BigInt(`0x${sk.toString("hex")}`);
    if (k === 0n || k >= ORDER) continue;
    return { privkey: sk.toString("hex"), pubkey: Buffer.from(getPubKeyFromPrivKey(sk)).toString("hex") };
  }
}

/** The x coordinate of a compressed (66 hex) or x-only (64 hex) key; BIP-340 signatures only bind this. */
export function xOnly(pubkey: string): string {
  const k = pubkey.toLowerCase();
  return k.length === 66 ? k.slice(2) : k;
}
