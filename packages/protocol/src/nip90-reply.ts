/** Pieces shared by feedback and results: the reference back to the job and optional encryption. */
import { type EncryptionScheme, encryptContent, type KeySource } from "./nip44.js";
import { isHex64, type Tag } from "./tags.js";
import { assertHex64, assertRelayUrl } from "./validate.js";

/** The job a reply answers: its id and its author (the buyer). */
export interface JobRef {
  id: string;
  pubkey: string;
}

export interface ReplyEncryption {
  /** Our (provider) key. */
  sender: KeySource;
  /** Mirror the request's scheme; NIP-44 unless told. */
  scheme?: EncryptionScheme;
}

export function jobRefTags(job: JobRef, relayHint: string | undefined): { e: Tag; p: Tag } {
  assertHex64(job.id, "job id");
  assertHex64(job.pubkey, "buyer pubkey");
  if (relayHint !== undefined) assertRelayUrl(relayHint, "relay hint");
  return { e: relayHint ? ["e", job.id, relayHint] : ["e", job.id], p: ["p", job.pubkey] };
}

export function encryptForBuyer(content: string, job: JobRef, encryption: ReplyEncryption): string {
  return encryptContent(content, encryption.sender, job.pubkey, encryption.scheme ?? "nip44");
}

/** The job id (first valid `e`) and relay hint a reply points at. */
export function readJobRef(tags: readonly Tag[]): { jobId: string; relayHint?: string } | undefined {
  for (const tag of tags) {
    if (tag[0] !== "e") continue;
    const id = tag[1]?.trim().toLowerCase();
    if (!isHex64(id)) continue;
    const relay = tag[2]?.trim();
    return relay ? { jobId: id, relayHint: relay } : { jobId: id };
  }
  return undefined;
}

export interface ParseReplyOptions {
  /** Our (buyer) key, to read encrypted content. */
  secretKey?: KeySource;
  /** Size ceiling on content plus tags, in characters. */
  maxEventChars?: number;
}
