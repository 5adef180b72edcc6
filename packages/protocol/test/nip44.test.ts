import * as nip04 from "nostr-tools/nip04";
import * as nip44 from "nostr-tools/nip44";
import { describe, expect, it } from "vitest";
import {
  ConversationKeyCache,
  decryptContent,
  decryptParams,
  detectEncryptionScheme,
  encryptContent,
  encryptParams,
  MAX_ENCRYPTED_PAYLOAD_CHARS,
} from "../src/nip44.js";
import { buyerPk, buyerSk, fourthPk, otherPk, providerPk, providerSk } from "./fixtures.js";

const secretTags = [
  ["i", "what is the capital of France?", "text"],
  ["param", "model", "LLaMA-2"],
  ["param", "max_tokens", "512"],
];

describe("param encryption", () => {
  it("round-trips tags over NIP-44 with raw keys and with caches", () => {
    const content = encryptParams(secretTags, buyerSk, providerPk);
    expect(detectEncryptionScheme(content)).toBe("nip44");
    expect(content).not.toContain("France");
    const direct = decryptParams({ content, pubkey: buyerPk }, providerSk);
    expect(direct).toEqual({ ok: true, tags: secretTags, scheme: "nip44", notes: [] });
    const cached = decryptParams({ content, pubkey: buyerPk }, new ConversationKeyCache(providerSk));
    expect(cached).toEqual(direct);
  });

  it("reads NIP-04 params from old clients", () => {
    const content = nip04.encrypt(buyerSk, providerPk, JSON.stringify(secretTags));
    expect(detectEncryptionScheme(content)).toBe("nip04");
    expect(decryptParams({ content, pubkey: buyerPk }, providerSk)).toEqual({
      ok: true,
      tags: secretTags,
      scheme: "nip04",
      notes: [],
    });
  });

  it("can write NIP-04 for providers that only read it", () => {
    const content = encryptParams(secretTags, buyerSk, providerPk, "nip04");
    expect(nip04.decrypt(providerSk, buyerPk, content)).toBe(JSON.stringify(secretTags));
  });

  it("gives clear errors for garbage, wrong keys and non-tag payloads", () => {
    const garbage = decryptParams({ content: "not encrypted at all", pubkey: buyerPk }, providerSk);
    expect(garbage).toMatchObject({ ok: false, code: "undecryptable" });
    if (!garbage.ok) expect(garbage.reason).toMatch(/nip44/);

    const forOther = encryptParams(secretTags, buyerSk, otherPk);
    expect(decryptParams({ content: forOther, pubkey: buyerPk }, providerSk)).toMatchObject({
      ok: false,
      code: "undecryptable",
    });

    const brokenNip04 = decryptParams({ content: "abc?iv=!!!", pubkey: buyerPk }, providerSk);
    expect(brokenNip04).toMatchObject({ ok: false, code: "undecryptable" });

    const prose = encryptContent("hello there", buyerSk, providerPk);
    expect(decryptParams({ content: prose, pubkey: buyerPk }, providerSk)).toMatchObject({
      ok: false,
      code: "invalid",
      reason: "encrypted params are not JSON",
    });
    const object = encryptContent('{"i":"x"}', buyerSk, providerPk);
    expect(decryptParams({ content: object, pubkey: buyerPk }, providerSk)).toMatchObject({
      ok: false,
      code: "invalid",
    });
    expect(decryptParams({ content: "", pubkey: buyerPk }, providerSk)).toMatchObject({ code: "invalid" });
  });

  it("cleans junk tags inside the decrypted payload", () => {
    const content = encryptContent(
      JSON.stringify([["i", "hi", "text"], "oops", [1, 2], ["param", "top_k", 40]]),
      buyerSk,
      providerPk,
    );
    const result = decryptParams({ content, pubkey: buyerPk }, providerSk);
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(result.tags).toEqual([
        ["i", "hi", "text"],
        ["param", "top_k", "40"],
      ]);
      expect(result.notes.length).toBe(3);
    }
  });

  it("refuses oversized payloads before doing any crypto", () => {
    const huge = "A".repeat(MAX_ENCRYPTED_PAYLOAD_CHARS + 1);
    const result = decryptContent(huge, providerSk, buyerPk);
    expect(result).toMatchObject({ ok: false });
    if (!result.ok) expect(result.reason).toContain("too large");
  });

  it("refuses an invalid sender pubkey without throwing", () => {
    const content = encryptContent("x", buyerSk, providerPk);
    expect(decryptContent(content, providerSk, "zz").ok).toBe(false);
    expect(decryptContent("a?iv=b", providerSk, "zz").ok).toBe(false);
  });

  it("leaves empty content empty", () => {
    expect(encryptContent("", buyerSk, providerPk)).toBe("");
    expect(decryptContent("", providerSk, buyerPk)).toEqual({ ok: true, plaintext: "", scheme: "nip44" });
  });

  it("throws on malformed keys when encrypting", () => {
    expect(() => encryptContent("x", new Uint8Array(31), providerPk)).toThrow(TypeError);
    expect(() => encryptContent("x", buyerSk, "npub1xyz")).toThrow(TypeError);
    expect(() => encryptParams([], buyerSk, providerPk)).toThrow(RangeError);
  });
});

describe("ConversationKeyCache", () => {
  it("derives the same key both sides would, once per peer", () => {
    const buyer = new ConversationKeyCache(buyerSk);
    const provider = new ConversationKeyCache(providerSk);
    expect(buyer.pubkey).toBe(buyerPk);
    const key = buyer.get(providerPk);
    expect(key).toEqual(nip44.getConversationKey(buyerSk, providerPk));
    expect(provider.get(buyerPk)).toEqual(key);
    expect(buyer.get(providerPk)).toBe(key);
    expect(buyer.size).toBe(1);
  });

  it("forgets the least recently used peer past its limit", () => {
    const cache = new ConversationKeyCache(buyerSk, 2);
    const providerKey = cache.get(providerPk);
    const otherKey = cache.get(otherPk);
    cache.get(providerPk); // providerPk is now the most recent, otherPk the least
    cache.get(fourthPk);
    expect(cache.size).toBe(2);
    expect(cache.get(providerPk)).toBe(providerKey);
    const rederived = cache.get(otherPk);
    expect(rederived).not.toBe(otherKey);
    expect(rederived).toEqual(otherKey);
  });

  it("rejects bad keys", () => {
    expect(() => new ConversationKeyCache(new Uint8Array(16))).toThrow(TypeError);
    expect(() => new ConversationKeyCache(buyerSk, 0)).toThrow(RangeError);
    const cache = new ConversationKeyCache(buyerSk);
    expect(() => cache.get("00".repeat(31))).toThrow(TypeError);
    expect(() => cache.get("f".repeat(64))).toThrow();
  });
});
