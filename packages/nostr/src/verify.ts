import { isSignedEventShape, plainEvent } from "@pylon/protocol";
import type { NostrEvent } from "nostr-tools/core";
import { verifyEvent as verifyWithNoble } from "nostr-tools/pure";
import { setNostrWasm } from "nostr-tools/wasm";
import { initNostrWasm, type Nostr as NostrWasm } from "nostr-wasm";

export type VerifierBackend = "wasm" | "js";

let wasm: NostrWasm | undefined;
/** The errors by which nostr-wasm says an event is invalid; any other error is its own limit. */
const WASM_VERDICTS = new Set(["id is invalid", "pubkey is invalid", "signature is invalid"]);
let loading: Promise<VerifierBackend> | undefined;
let loadError: Error | undefined;

/**
 * Loads nostr-wasm once (verification ≈5× faster than pure JS, see bench/) and makes `verifyEvent` and `signEvent` use it.
 * Never rejects: if the wasm module cannot be loaded it resolves to "js" and everything keeps working on noble.
 * Also registers the module with `nostr-tools/wasm`, so code that imports that entry point works too.
 */
export function initFastVerify(): Promise<VerifierBackend> {
  loading ??= initNostrWasm().then(
    (instance) => {
      setNostrWasm(instance);
      wasm = instance;
      return "wasm" as const;
    },
    (err: unknown) => {
      loadError = err instanceof Error ? err : new Error(String(err));
      return "js" as const;
    },
  );
  return loading;
}

/** Which implementation `verifyEvent` currently uses, and why wasm is not in use if it failed to load. */
export function verifierBackend(): { backend: VerifierBackend; loadError?: Error } {
  return wasm ? { backend: "wasm" } : loadError ? { backend: "js", loadError } : { backend: "js" };
}

/** The loaded wasm instance, if any (signing shares it). */
export function loadedWasm(): NostrWasm | undefined {
  return wasm;
}

/**
 * Full check of an event: strict shape, id = sha256 of the NIP-01 serialisation, and a valid BIP-340 signature.
 *
 * It never trusts nostr-tools' cached "verified" flag: an object spread copies that symbol, so a tampered copy
 * of a signed event would otherwise pass. The JS path verifies a clean copy for that reason; the wasm path reads
 * only the seven fields. Neither writes the flag onto the caller's object.
 */
export function verifyEvent(event: unknown): event is NostrEvent {
  if (!isSignedEventShape(event)) return false;
  if (wasm) {
    try {
      wasm.verifyEvent(event);
      return true;
    } catch (err) {
      // nostr-wasm's heap cannot hold the serialisation of an event of about 1 MB or more ("Out of
      // memory"); such an event is not invalid, so noble checks it instead of it being dropped.
      if (!WASM_VERDICTS.has(err instanceof Error ? err.message : ""))
        return verifyWithNoble(plainEvent(event));
      return false;
    }
  }
  return verifyWithNoble(plainEvent(event));
}
