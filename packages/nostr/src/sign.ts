import { plainEvent } from "@pylon/protocol";
import type { EventTemplate, NostrEvent } from "nostr-tools/core";
import { finalizeEvent as finalizeWithNoble, getPublicKey as nobleGetPublicKey } from "nostr-tools/pure";
import { loadedWasm } from "./verify.js";

/** An event to sign; `created_at` defaults to now. */
export type EventDraft = Omit<EventTemplate, "created_at"> & { created_at?: number };

/**
 * Signs a draft with a 32-byte secret key and returns a new plain event (the draft is not modified, and the
 * result carries no cached "verified" flag). Uses nostr-wasm after `initFastVerify()`, noble otherwise.
 */
export function signEvent(draft: EventDraft, secretKey: Uint8Array): NostrEvent {
  assertSecretKey(secretKey);
  const created_at = draft.created_at ?? Math.floor(Date.now() / 1000);
  if (!Number.isSafeInteger(created_at) || created_at < 0) {
    throw new TypeError(
      `created_at must be a non-negative integer (unix seconds), got ${String(created_at)}`,
    );
  }
  const template = { kind: draft.kind, tags: draft.tags, content: draft.content, created_at };
  const wasm = loadedWasm();
  if (wasm) {
    const event = { ...template, id: "", pubkey: "", sig: "" };
    wasm.finalizeEvent(event, secretKey);
    return event;
  }
  return plainEvent(finalizeWithNoble(template, secretKey));
}

/** The hex x-only public key of a secret key. */
export function getPublicKey(secretKey: Uint8Array): string {
  assertSecretKey(secretKey);
  return nobleGetPublicKey(secretKey);
}

function assertSecretKey(secretKey: Uint8Array): void {
  if (!(secretKey instanceof Uint8Array) || secretKey.length !== 32) {
    throw new TypeError("secret key must be a 32-byte Uint8Array");
  }
}
