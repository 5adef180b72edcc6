/**
 * Public keys as a person types them (npub or 64 hex digits) and as the CLI shows them (a short npub).
 * Loads no Pylon package: `pylon trust` and `pylon providers` use it without the swarm.
 */
import * as nip19 from "nostr-tools/nip19";

/** A key the user typed that is neither an npub nor hex: a usage error, exit 2. */
export class BadKeyError extends Error {
  readonly exitCode = 2;
  readonly code = "bad-public-key";
}

/** The hex public key of `value` (npub or 64 hex digits, any case), or undefined. */
export function decodePublicKey(value: string): string | undefined {
  const trimmed = value.trim();
  if (/^[0-9a-f]{64}$/i.test(trimmed)) return trimmed.toLowerCase();
  try {
    const decoded = nip19.decode(trimmed);
    return decoded.type === "npub" ? decoded.data : undefined;
  } catch {
    return undefined;
  }
}

/** `decodePublicKey`, refusing what it cannot read with an error naming the value (and `where`, a flag or key). */
export function publicKeyArg(value: string, where?: string): string {
  const key = decodePublicKey(value);
  if (key === undefined)
    throw new BadKeyError(
      `${where ? `${where}: ` : ""}"${value}" is not an npub or a 64-digit hex public key`,
    );
  return key;
}

/** npub1 and its first 12 characters after the prefix, then "…": enough to tell providers apart. */
export function shortNpub(pubkey: string): string {
  return `${nip19.npubEncode(pubkey).slice(0, 17)}…`;
}

/** A comma-separated or repeated list of keys, each decoded (`--trust-labels-from a,b --trust-labels-from c`). */
export function splitKeys(values: readonly string[]): string[] {
  return values
    .flatMap((value) => value.split(","))
    .map((item) => item.trim())
    .filter((item) => item !== "");
}
