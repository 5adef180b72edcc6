/**
 * Encryption of job params and outputs between a buyer and a provider.
 *
 * We write NIP-44 v2. NIP-90's text still names NIP-04, so the decrypt side also reads NIP-04 payloads
 * (recognised by their `?iv=` suffix) from older clients, and replies can mirror the scheme a request used.
 * All crypto is nostr-tools' (noble). Decrypting is pure given the keys, but it authenticates nothing about
 * the event: callers must verify the event's signature before trusting its pubkey or anything decrypted.
 */
import * as nip04 from "nostr-tools/nip04";
import * as nip44 from "nostr-tools/nip44";
import { getPublicKey } from "nostr-tools/pure";
import { type ParseFailure, parseFailure } from "./parse-result.js";
import { isHex64, sanitizeTags, type Tag } from "./tags.js";

export type EncryptionScheme = "nip44" | "nip04";

/** Largest ciphertext we try to decrypt (characters); bigger payloads are refused before any crypto. */
export const MAX_ENCRYPTED_PAYLOAD_CHARS = 1_000_000;

/**
 * Our secret key plus the NIP-44 conversation keys derived from it, one per peer. Deriving a key costs an
 * ECDH (~1 ms); a provider answering many jobs from the same buyers should keep one of these and pass it
 * wherever a secret key is accepted. Least-recently-used peers are forgotten past `maxPeers`.
 */
export class ConversationKeyCache {
  readonly secretKey: Uint8Array;
  readonly pubkey: string;
  readonly #keys = new Map<string, Uint8Array>();
  readonly #maxPeers: number;

  constructor(secretKey: Uint8Array, maxPeers = 10_000) {
    assertSecretKey(secretKey);
    if (!Number.isInteger(maxPeers) || maxPeers < 1)
      throw new RangeError("maxPeers must be a positive integer");
    this.secretKey = secretKey;
    this.pubkey = getPublicKey(secretKey);
    this.#maxPeers = maxPeers;
  }

  /** The conversation key with `peerPubkey`. Throws on a pubkey that is not a valid x-only point. */
  get(peerPubkey: string): Uint8Array {
    const cached = this.#keys.get(peerPubkey);
    if (cached) {
      this.#keys.delete(peerPubkey);
      this.#keys.set(peerPubkey, cached);
      return cached;
    }
    assertPubkey(peerPubkey);
    const key = nip44.getConversationKey(this.secretKey, peerPubkey);
    this.#keys.set(peerPubkey, key);
    if (this.#keys.size > this.#maxPeers) {
      const oldest = this.#keys.keys().next().value;
      if (oldest !== undefined) this.#keys.delete(oldest);
    }
    return key;
  }

  get size(): number {
    return this.#keys.size;
  }
}

/** A raw 32-byte secret key, or a cache built around one. */
export type KeySource = Uint8Array | ConversationKeyCache;

function secretKeyOf(source: KeySource): Uint8Array {
  if (source instanceof ConversationKeyCache) return source.secretKey;
  assertSecretKey(source);
  return source;
}

function conversationKeyOf(source: KeySource, peerPubkey: string): Uint8Array {
  if (source instanceof ConversationKeyCache) return source.get(peerPubkey);
  assertSecretKey(source);
  assertPubkey(peerPubkey);
  return nip44.getConversationKey(source, peerPubkey);
}

function assertSecretKey(key: unknown): asserts key is Uint8Array {
  if (!(key instanceof Uint8Array) || key.length !== 32) {
    throw new TypeError("secret key must be a 32-byte Uint8Array");
  }
}

function assertPubkey(pubkey: string): void {
  if (!isHex64(pubkey)) throw new TypeError(`pubkey must be 64 lowercase hex characters, got "${pubkey}"`);
}

/** NIP-04 payloads are `<base64>?iv=<base64>`; anything else is treated as NIP-44. */
export function detectEncryptionScheme(payload: string): EncryptionScheme {
  return payload.includes("?iv=") ? "nip04" : "nip44";
}

/**
 * Encrypts `plaintext` from `sender` to `recipientPubkey`. An empty plaintext stays empty: NIP-44 cannot
 * encrypt zero bytes and an empty string reveals nothing. Throws TypeError on malformed keys.
 */
export function encryptContent(
  plaintext: string,
  sender: KeySource,
  recipientPubkey: string,
  scheme: EncryptionScheme = "nip44",
): string {
  if (plaintext === "") return "";
  if (scheme === "nip04") {
    assertPubkey(recipientPubkey);
    return nip04.encrypt(secretKeyOf(sender), recipientPubkey, plaintext);
  }
  return nip44.encrypt(plaintext, conversationKeyOf(sender, recipientPubkey));
}

export type DecryptOutcome =
  | { ok: true; plaintext: string; scheme: EncryptionScheme }
  | { ok: false; reason: string };

/** Decrypts a NIP-44 or NIP-04 payload `senderPubkey` wrote to us. Never throws. */
export function decryptContent(payload: string, recipient: KeySource, senderPubkey: string): DecryptOutcome {
  if (typeof payload !== "string") return { ok: false, reason: "encrypted payload is not a string" };
  const scheme = detectEncryptionScheme(payload);
  if (payload === "") return { ok: true, plaintext: "", scheme: "nip44" };
  if (payload.length > MAX_ENCRYPTED_PAYLOAD_CHARS) {
    return { ok: false, reason: `encrypted payload too large (${payload.length} characters)` };
  }
  try {
    const plaintext =
      scheme === "nip04"
        ? nip04.decrypt(secretKeyOf(recipient), requirePubkey(senderPubkey), payload)
        : nip44.decrypt(payload, conversationKeyOf(recipient, senderPubkey));
    return { ok: true, plaintext, scheme };
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return { ok: false, reason: `cannot decrypt ${scheme} payload: ${detail}` };
  }
}

function requirePubkey(pubkey: string): string {
  assertPubkey(pubkey);
  return pubkey;
}

/** Encrypts `i`/`param` tags as NIP-90 puts them in an encrypted request's `content`: a JSON array of tags. */
export function encryptParams(
  tags: readonly Tag[],
  sender: KeySource,
  recipientPubkey: string,
  scheme: EncryptionScheme = "nip44",
): string {
  if (tags.length === 0) throw new RangeError("nothing to encrypt: no tags given");
  return encryptContent(JSON.stringify(tags), sender, recipientPubkey, scheme);
}

export interface DecryptedParams {
  ok: true;
  tags: Tag[];
  scheme: EncryptionScheme;
  /** Tags inside the payload that were dropped or repaired. */
  notes: string[];
}

/**
 * Reads the encrypted tag array of a request addressed to us. `undecryptable` when the crypto fails,
 * `invalid` when it decrypts to something other than a JSON array of tags. Never throws.
 */
export function decryptParams(
  event: { content: string; pubkey: string },
  recipient: KeySource,
): DecryptedParams | ParseFailure {
  if (event.content === "") return parseFailure("invalid", "encrypted request has empty content");
  const decrypted = decryptContent(event.content, recipient, event.pubkey);
  if (!decrypted.ok) return parseFailure("undecryptable", decrypted.reason);
  let parsed: unknown;
  try {
    parsed = JSON.parse(decrypted.plaintext);
  } catch {
    return parseFailure("invalid", "encrypted params are not JSON");
  }
  if (!Array.isArray(parsed)) return parseFailure("invalid", "encrypted params are not a JSON array of tags");
  const { tags, notes } = sanitizeTags(parsed);
  return { ok: true, tags, scheme: decrypted.scheme, notes };
}
