/**
 * Fake Lightning invoices that are real BOLT-11 syntax: bech32 with a valid checksum, the amount in the
 * human-readable part (`lnbcrt<amount><multiplier>`, which cashu-ts checks against the quote), payment
 * hash, payment secret, description, expiry, features and the payee key (`n`), signed by a node key with
 * ECDSA. The recovery byte is not computed (no curve math here): readers must take the payee from `n`.
 */
import { createHash, createPrivateKey, randomBytes, sign } from "node:crypto";
import { getPubKeyFromPrivKey } from "@cashu/cashu-ts";

const CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
const GENERATOR = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];
/** Regtest prefix: these invoices must never look payable on mainnet. */
const HRP_PREFIX = "lnbcrt";
const MSAT_PER_BTC = 100_000_000_000n;
const MULTIPLIER_MSAT: Record<string, bigint> = { m: 100_000_000n, u: 100_000n, n: 100n };
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

function polymod(values: number[]): number {
  let chk = 1;
  for (const value of values) {
    const top = chk >>> 25;
    chk = ((chk & 0x1ffffff) << 5) ^ value;
    GENERATOR.forEach((g, i) => {
      if ((top >>> i) & 1) chk ^= g;
    });
  }
  return chk;
}

function hrpExpand(hrp: string): number[] {
  const codes = [...hrp].map((c) => c.charCodeAt(0));
  return [...codes.map((c) => c >> 5), 0, ...codes.map((c) => c & 31)];
}

function convertBits(data: Iterable<number>, from: number, to: number, pad: boolean): number[] {
  let acc = 0;
  let bits = 0;
  const out: number[] = [];
  const mask = (1 << to) - 1;
  for (const value of data) {
    acc = (acc << from) | value;
    bits += from;
    while (bits >= to) {
      bits -= to;
      out.push((acc >> bits) & mask);
    }
    acc &= (1 << bits) - 1;
  }
  if (pad && bits > 0) out.push((acc << (to - bits)) & mask);
  return out;
}

function intToWords(value: number, minWords = 1): number[] {
  const words: number[] = [];
  let v = value;
  while (v > 0) {
    words.unshift(v & 31);
    v = Math.floor(v / 32);
  }
  while (words.length < minWords) words.unshift(0);
  return words;
}

function tagged(letter: string, words: number[]): number[] {
  return [CHARSET.indexOf(letter), ...intToWords(words.length, 2), ...words];
}

/** The shortest exact HRP amount for `msat`. */
function encodeAmount(msat: bigint): string {
  if (msat % MSAT_PER_BTC === 0n) return `${msat / MSAT_PER_BTC}`;
  for (const [suffix, unit] of Object.entries(MULTIPLIER_MSAT)) {
    if (msat % unit === 0n) return `${msat / unit}${suffix}`;
  }
  return `${msat * 10n}p`;
}

export interface FakeInvoiceOptions {
  /** Omitted: an amountless invoice (which this mint refuses to melt, like most mints). */
  amountMsat?: bigint;
  description?: string;
  expirySeconds?: number;
  /** 32-byte node private key; default random. */
  nodeKey?: Uint8Array;
  /** Unix seconds; default now. */
  timestamp?: number;
}

export interface FakeInvoice {
  request: string;
  paymentHash: string;
  preimage: string;
}

function ecdsaSign(digestInput: Buffer, nodeKey: Uint8Array): Buffer {
  // SEC1 DER of the bare private key; OpenSSL derives the public half.
  const der = Buffer.concat([
    Buffer.from("302e0201010420", "hex"),
    Buffer.from(nodeKey),
    Buffer.from("a00706052b8104000a", "hex"),
  ]);
  const key = createPrivateKey({ key: der, format: "der", type: "sec1" });
  const sig = sign("sha256", digestInput, { key, dsaEncoding: "ieee-p1363" });
  // BOLT-11 wants low-S signatures.
  const s = BigInt(`0x${sig.subarray(32).toString("hex")}`);
  if (s > SECP256K1_N / 2n) sig.set(Buffer.from((SECP256K1_N - s).toString(16).padStart(64, "0"), "hex"), 32);
  return sig;
}

/** A fresh regtest invoice for `amountMsat` with a random preimage. */
export function fakeInvoice(opts: FakeInvoiceOptions): FakeInvoice {
  if (opts.amountMsat !== undefined && opts.amountMsat <= 0n) {
    throw new Error("invoice amount must be positive");
  }
  const nodeKey = opts.nodeKey ?? new Uint8Array(randomBytes(32));
  const preimage = randomBytes(32);
  const paymentHash = createHash("sha256").update(preimage).digest();
  const hrp = `${HRP_PREFIX}${opts.amountMsat === undefined ? "" : encodeAmount(opts.amountMsat)}`;
  const words = [
    ...intToWords(opts.timestamp ?? Math.floor(Date.now() / 1000), 7),
    ...tagged("p", convertBits(paymentHash, 8, 5, true)),
    ...tagged("s", convertBits(randomBytes(32), 8, 5, true)),
    ...tagged("d", convertBits(Buffer.from(opts.description ?? "", "utf8"), 8, 5, true)),
    ...tagged("x", intToWords(opts.expirySeconds ?? 3600)),
    // Features: var_onion_optin (8) and payment_secret (14), both required.
    ...tagged("9", intToWords((1 << 8) | (1 << 14))),
    ...tagged("n", convertBits(getPubKeyFromPrivKey(nodeKey), 8, 5, true)),
  ];
  const signed = Buffer.concat([Buffer.from(hrp, "utf8"), Buffer.from(convertBits(words, 5, 8, true))]);
  const signature = Buffer.concat([ecdsaSign(signed, nodeKey), Buffer.from([0])]);
  const data = [...words, ...convertBits(signature, 8, 5, true)];
  const check = polymod([...hrpExpand(hrp), ...data, 0, 0, 0, 0, 0, 0]) ^ 1;
  const checksum = [0, 1, 2, 3, 4, 5].map((i) => (check >> (5 * (5 - i))) & 31);
  const request = `${hrp}1${[...data, ...checksum].map((w) => CHARSET[w]).join("")}`;
  return { request, paymentHash: paymentHash.toString("hex"), preimage: preimage.toString("hex") };
}

/**
 * The amount of a BOLT-11 invoice in msat: null for an amountless invoice, undefined when the string is not
 * a BOLT-11 invoice at all (bad prefix, characters, checksum or amount).
 */
export function invoiceAmountMsat(invoice: string): bigint | null | undefined {
  const lower = invoice.toLowerCase();
  if (lower !== invoice && invoice.toUpperCase() !== invoice) return undefined; // bech32 forbids mixed case
  const sep = lower.lastIndexOf("1");
  if (!lower.startsWith("ln") || sep < 3 || lower.length - sep - 1 < 7 + 104 + 6) return undefined;
  const words = [...lower.slice(sep + 1)].map((c) => CHARSET.indexOf(c));
  if (words.some((w) => w < 0)) return undefined;
  const hrp = lower.slice(0, sep);
  if (polymod([...hrpExpand(hrp), ...words]) !== 1) return undefined;
  const match = /^ln[a-z]+?(\d*)([munp]?)$/.exec(hrp);
  if (!match) return undefined;
  const [, digits = "", multiplier = ""] = match;
  if (digits === "") return multiplier === "" ? null : undefined;
  if (digits.startsWith("0")) return undefined;
  const n = BigInt(digits);
  if (multiplier === "") return n * MSAT_PER_BTC;
  if (multiplier === "p") return n % 10n === 0n ? n / 10n : undefined;
  const unit = MULTIPLIER_MSAT[multiplier];
  return unit === undefined ? undefined : n * unit;
}
