import { isSignedEventShape } from "@pylon/protocol";
import type { NostrEvent } from "nostr-tools/core";
import { finalizeEvent as nostrToolsFinalize, verifyEvent as nostrToolsVerify } from "nostr-tools/pure";
import { describe, expect, it } from "vitest";
import { getPublicKey, signEvent } from "../src/sign.js";
import { initFastVerify, verifierBackend, verifyEvent } from "../src/verify.js";
import { newKey, note } from "./helpers.js";

const roundTrip = (event: NostrEvent): NostrEvent => JSON.parse(JSON.stringify(event)) as NostrEvent;

/** Behaviour every backend must have. Runs once on pure JS, then again after wasm is loaded. */
function verificationContract(): void {
  const secretKey = newKey();

  it("accepts a correctly signed event that came through JSON", () => {
    const event = note(secretKey, "hello");
    expect(event.pubkey).toBe(getPublicKey(secretKey));
    expect(verifyEvent(event)).toBe(true);
  });

  it("rejects tampered content, id, signature and pubkey", () => {
    const event = note(secretKey, "hello");
    expect(verifyEvent({ ...event, content: "hellO" })).toBe(false);
    expect(verifyEvent({ ...event, kind: 2 })).toBe(false);
    const otherSig = note(secretKey, "other").sig;
    expect(verifyEvent({ ...event, sig: otherSig })).toBe(false);
    expect(verifyEvent({ ...event, pubkey: getPublicKey(newKey()) })).toBe(false);
    const otherId = note(secretKey, "other").id;
    expect(verifyEvent({ ...event, id: otherId })).toBe(false);
  });

  it("does not trust nostr-tools' cached verified flag on a tampered spread copy", () => {
    const signed = nostrToolsFinalize(
      { kind: 1, tags: [], content: "pay 1 sat", created_at: 1_700_000_000 },
      secretKey,
    );
    const forged = { ...signed, content: "pay 1000 sats" }; // the spread copies the cached flag
    expect(nostrToolsVerify(forged)).toBe(true); // the trap is real...
    expect(verifyEvent(forged)).toBe(false); // ...and ours is not caught by it
    expect(verifyEvent(roundTrip(forged))).toBe(false);
  });

  it("rejects malformed events before any crypto (incl. over-long hex that would overrun wasm buffers)", () => {
    const event = note(secretKey, "hello");
    const malformed: unknown[] = [
      null,
      "event",
      { ...event, sig: `${event.sig}${event.sig}` },
      { ...event, id: event.id.toUpperCase() },
      { ...event, pubkey: event.pubkey.slice(2) },
      { ...event, created_at: 1.5 },
      { ...event, created_at: "1700000000" },
      { ...event, kind: -1 },
      { ...event, kind: 70_000 },
      { ...event, tags: [["e", 5]] },
      { ...event, tags: "none" },
      { ...event, content: undefined },
    ];
    for (const value of malformed) {
      expect(isSignedEventShape(value)).toBe(false);
      expect(verifyEvent(value)).toBe(false);
    }
  });

  it("signEvent returns a new plain event and leaves the draft untouched", () => {
    const draft = { kind: 5050, tags: [["param", "model", "x"]], content: "job" };
    const before = JSON.stringify(draft);
    const event = signEvent(draft, secretKey);
    expect(JSON.stringify(draft)).toBe(before);
    expect(Object.getOwnPropertySymbols(event)).toEqual([]);
    expect(Object.keys(event).sort()).toEqual([
      "content",
      "created_at",
      "id",
      "kind",
      "pubkey",
      "sig",
      "tags",
    ]);
    expect(Math.abs(event.created_at - Date.now() / 1000)).toBeLessThan(5);
    expect(verifyEvent(roundTrip(event))).toBe(true);
  });

  it("refuses bad secret keys and timestamps with clear errors", () => {
    const draft = { kind: 1, tags: [], content: "" };
    expect(() => signEvent(draft, new Uint8Array(31))).toThrow(/32-byte/);
    expect(() => signEvent({ ...draft, created_at: -1 }, secretKey)).toThrow(/created_at/);
  });
}

describe("pure JS backend (before initFastVerify)", () => {
  it("is the backend in use", () => {
    expect(verifierBackend().backend).toBe("js");
  });
  verificationContract();
});

describe("wasm backend", () => {
  it("loads once", async () => {
    const [first, second] = await Promise.all([initFastVerify(), initFastVerify()]);
    expect(first).toBe("wasm");
    expect(second).toBe("wasm");
    expect(verifierBackend()).toEqual({ backend: "wasm" });
  });
  verificationContract();

  it("verifies events signed by the other backend", () => {
    const secretKey = newKey();
    const signedByNoble = roundTrip(
      nostrToolsFinalize({ kind: 1, tags: [], content: "x", created_at: 1 }, secretKey),
    );
    expect(verifyEvent(signedByNoble)).toBe(true);
    const signedByWasm = roundTrip(signEvent({ kind: 1, tags: [], content: "x" }, secretKey));
    expect(nostrToolsVerify(signedByWasm)).toBe(true);
  });
});
