/**
 * Event id + signature verification backends.
 *
 * Both check that `id` is the sha256 of the NIP-01 serialization and that `sig` is a valid BIP-340 signature
 * by `pubkey` over it. Callers must pass freshly parsed events whose hex fields were already shape-checked:
 * nostr-wasm decodes hex without validating it, and nostr-tools/pure trusts a cached "verified" symbol on
 * the object (a fresh JSON.parse result never has one).
 */
import { verifyEvent as verifyWithJs } from "nostr-tools/pure";
import { initNostrWasm, type Nostr } from "nostr-wasm";
import type { NostrEvent } from "./event.js";

export interface SignatureVerifier {
  readonly backend: "wasm" | "js";
  /** True when the id matches the content and the signature is valid. Never throws. */
  verify(event: NostrEvent): boolean;
}

let wasmInstance: Promise<Nostr> | undefined;

/** One wasm instance per process: it is stateless between calls and costs ~10 ms to instantiate. */
function sharedWasm(): Promise<Nostr> {
  wasmInstance ??= initNostrWasm();
  return wasmInstance;
}

export async function createVerifier(backend: "wasm" | "js"): Promise<SignatureVerifier> {
  if (backend === "js") {
    return {
      backend,
      verify: (event) => {
        try {
          // A field-by-field copy can never carry nostr-tools' cached "verified" symbol, so the check is real.
          const { id, pubkey, created_at, kind, tags, content, sig } = event;
          return verifyWithJs({ id, pubkey, created_at, kind, tags, content, sig });
        } catch {
          return false;
        }
      },
    };
  }
  const wasm = await sharedWasm();
  return {
    backend,
    verify: (event) => {
      try {
        wasm.verifyEvent(event);
        return true;
      } catch {
        return false;
      }
    },
  };
}
