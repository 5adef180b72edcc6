/** Both verification backends, and the cached-"verified" trap of nostr-tools. */
import { finalizeEvent, generateSecretKey } from "nostr-tools/pure";
import { describe, expect, it } from "vitest";
import { parseEventShape } from "../src/event.js";
import { createVerifier } from "../src/verifier.js";

describe.each(["wasm", "js"] as const)("%s verifier", (backend) => {
  it("accepts genuine events and rejects tampered ones, even copies carrying a cached verified flag", async () => {
    const verifier = await createVerifier(backend);
    const signed = finalizeEvent(
      { kind: 1, created_at: 1_700_000_000, tags: [["t", "x"]], content: "hi" },
      generateSecretKey(),
    );
    const fresh = JSON.parse(JSON.stringify(signed));
    expect(verifier.verify(fresh)).toBe(true);
    // A spread copy keeps nostr-tools' "verified" symbol; the relay never verifies such objects because
    // parseEventShape rebuilds every event field by field.
    const tamperedCopy = { ...signed, content: "tampered" };
    const shaped = parseEventShape(tamperedCopy, 100);
    if (!shaped.ok) throw new Error(shaped.reason);
    expect(Object.getOwnPropertySymbols(shaped.event)).toEqual([]);
    expect(verifier.verify(shaped.event)).toBe(false);
    // Even a spread of an object this verifier accepted before (and nostr-tools flagged) is re-checked.
    expect(verifier.verify({ ...fresh, tags: [["t", "y"]] })).toBe(false);
    expect(verifier.verify({ ...fresh, sig: "00".repeat(64) })).toBe(false);
  });
});
