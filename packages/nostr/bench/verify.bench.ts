import { plainEvent } from "@pylon/protocol";
import { finalizeEvent as finalizeWithNoble, verifyEvent as verifyWithNoble } from "nostr-tools/pure";
import { bench, describe } from "vitest";
import { initFastVerify, type NostrEvent, signEvent, verifyEvent } from "../src/index.js";

// Per-event cost of verification and signing: noble (pure JS) vs nostr-wasm. Events are JSON round-tripped
// so no cached "verified" flag short-circuits the JS path; each JS call verifies a fresh copy, like
// verifyEvent does before initFastVerify().

const secretKey = new Uint8Array(32).fill(7);
const events: NostrEvent[] = Array.from({ length: 256 }, (_, i) =>
  JSON.parse(
    JSON.stringify(
      signEvent({ kind: 1, tags: [["t", "bench"]], content: `event ${i} ${"x".repeat(200)}` }, secretKey),
    ),
  ),
);
const backend = await initFastVerify();
if (backend !== "wasm") throw new Error("nostr-wasm did not load; the wasm figures would be JS figures");

let i = 0;
const nextEvent = (): NostrEvent => events[i++ % events.length] as NostrEvent;

describe("verify one event", () => {
  bench("pure JS (noble)", () => {
    if (!verifyWithNoble(plainEvent(nextEvent()))) throw new Error("should verify");
  });
  bench("wasm (initFastVerify)", () => {
    if (!verifyEvent(nextEvent())) throw new Error("should verify");
  });
});

describe("sign one event", () => {
  const draft = { kind: 1, tags: [["t", "bench"]], content: "x".repeat(200), created_at: 1_700_000_000 };
  bench("pure JS (noble)", () => {
    finalizeWithNoble({ ...draft }, secretKey);
  });
  bench("wasm (initFastVerify)", () => {
    signEvent(draft, secretKey);
  });
});
