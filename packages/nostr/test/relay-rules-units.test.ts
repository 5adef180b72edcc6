import { getPow } from "nostr-tools/nip13";
import { getEventHash } from "nostr-tools/pure";
import { describe, expect, it } from "vitest";
import { countLeadingZeroBits, minePow, minePowAsync } from "../src/pow.js";
import { classifyRelayAnswer } from "../src/relay-answers.js";
import { DEFAULT_WRITE_LIMITS, smallestLimits, writeLimitsOf } from "../src/relay-info.js";

describe("classifyRelayAnswer", () => {
  it("reads each NIP-01 prefix, and the difficulty a pow: names", () => {
    expect(classifyRelayAnswer("duplicate: have it")).toEqual({ kind: "duplicate" });
    expect(classifyRelayAnswer("rate-limited: slow down")).toEqual({ kind: "rate-limited" });
    expect(classifyRelayAnswer("auth-required: who are you")).toEqual({ kind: "auth-required" });
    expect(classifyRelayAnswer("pow: difficulty 20 required")).toEqual({ kind: "pow", difficulty: 20 });
    expect(classifyRelayAnswer("pow: more work")).toEqual({ kind: "pow", difficulty: 0 });
    expect(classifyRelayAnswer("blocked: spam")).toEqual({ kind: "refuses-writes" });
    expect(classifyRelayAnswer("restricted: members only")).toEqual({ kind: "refuses-writes" });
    for (const other of ["invalid: bad", "error: db", "something else", ""]) {
      expect(classifyRelayAnswer(other)).toEqual({ kind: "failed" });
    }
  });
});

describe("proof of work", () => {
  it("counts leading zero bits as nostr-tools does", () => {
    for (const hex of ["ff", "0f", "00f0", "000000000001", "8000", "0".repeat(64)]) {
      const padded = hex.padEnd(64, "f");
      expect(countLeadingZeroBits(padded)).toBe(getPow(padded));
    }
  });

  it("mines a nonce tag that commits to the target and gives the id that many zero bits", async () => {
    const draft = {
      pubkey: "a".repeat(64),
      created_at: 1_700_000_000,
      kind: 1,
      tags: [
        ["t", "x"],
        ["nonce", "old", "3"],
      ],
      content: 'quotes " and \\ survive',
    };
    for (const [difficulty, mined] of [
      [9, minePow(draft, 9)],
      [11, await minePowAsync(draft, 11)], // above INLINE_MAX_DIFFICULTY: the worker
    ] as const) {
      expect(mined.tags.slice(0, -1)).toEqual([["t", "x"]]);
      expect(mined.tags.at(-1)).toEqual(["nonce", expect.stringMatching(/^\d+$/), String(difficulty)]);
      expect(getPow(getEventHash(mined))).toBeGreaterThanOrEqual(difficulty);
    }
  });
});

describe("write limits", () => {
  it("takes a relay's published limits over the defaults and the smallest over relays", () => {
    const published = (limitation: Record<string, number | boolean>) =>
      writeLimitsOf({ url: "ws://x/", document: {}, limitation });
    const a = published({ maxMessageBytes: 200_000, maxEventTags: 40, createdAtUpperLimit: 60 });
    const b = published({ minPowDifficulty: 12, paymentRequired: true, createdAtUpperLimit: 30 });
    expect(a.maxMessageBytes).toBe(200_000); // looser than the default: the relay's word counts
    expect(smallestLimits([a, b, writeLimitsOf(undefined)])).toMatchObject({
      maxMessageBytes: DEFAULT_WRITE_LIMITS.maxMessageBytes,
      maxEventTags: 40,
      minPowDifficulty: 12,
      paymentRequired: true,
      createdAtUpperLimit: 30,
    });
  });
});
