import * as nip04 from "nostr-tools/nip04";
import { describe, expect, it } from "vitest";
import type { NostrEvent } from "../src/event.js";
import { ConversationKeyCache } from "../src/nip44.js";
import { buildJobFeedback, jobFeedbackTagSchema, parseJobFeedback } from "../src/nip90-feedback.js";
import { buildEncryptedJobRequest, buildJobRequest } from "../src/nip90-request.js";
import { buildJobResult, jobResultTagSchema, parseJobResult } from "../src/nip90-result.js";
import { amountTag } from "../src/payment.js";
import { buyerPk, buyerSk, NOW, otherSk, providerPk, providerSk, sign, signed } from "./fixtures.js";

const plainRequest = sign(
  buildJobRequest({ now: NOW, prompt: "Say hi", params: { maxTokens: 5 }, provider: providerPk }),
  buyerSk,
);
const secretRequest = sign(
  buildEncryptedJobRequest({ now: NOW, prompt: "private", provider: providerPk }, buyerSk),
  buyerSk,
);
const jobRef = { id: plainRequest.id, pubkey: buyerPk };
/** Kind-7000 feedback from the provider with these (possibly malformed) tags. */
const feedbackWith = (tags: unknown[]) => signed({ kind: 7000, tags }, providerSk);

describe("feedback", () => {
  it("emits exactly status, amount, e and p", () => {
    const template = buildJobFeedback({
      now: NOW + 1,
      request: jobRef,
      status: "payment-required",
      extra: "pay to start",
      amount: { msats: 21000, bolt11: "lnbcrt210n1fake" },
      relayHint: "wss://r.example",
    });
    expect(template).toEqual({
      kind: 7000,
      created_at: NOW + 1,
      content: "",
      tags: [
        ["status", "payment-required", "pay to start"],
        ["amount", "21000", "lnbcrt210n1fake"],
        ["e", plainRequest.id, "wss://r.example"],
        ["p", buyerPk],
      ],
    });
    for (const tag of template.tags) expect(jobFeedbackTagSchema.safeParse(tag).success).toBe(true);
    expect(buildJobFeedback({ now: NOW, request: jobRef, status: "processing" }).tags).toEqual([
      ["status", "processing"],
      ["e", plainRequest.id],
      ["p", buyerPk],
    ]);
  });

  it("round-trips, partial content included", () => {
    const event = sign(
      buildJobFeedback({
        now: NOW,
        request: jobRef,
        status: "partial",
        content: "Hel",
        amount: { msats: 0 },
      }),
      providerSk,
    );
    expect(parseJobFeedback(event)).toEqual({
      ok: true,
      feedback: {
        id: event.id,
        provider: providerPk,
        createdAt: NOW,
        jobId: plainRequest.id,
        buyer: buyerPk,
        status: "partial",
        statusAsSent: "partial",
        amount: { msats: 0 },
        content: "Hel",
        warnings: [],
      },
    });
  });

  it("encrypts partial output to the buyer and leaves empty content alone", () => {
    const encryption = { sender: new ConversationKeyCache(providerSk) };
    const template = buildJobFeedback({
      now: NOW,
      request: jobRef,
      status: "partial",
      content: "secret",
      encryption,
    });
    expect(template.tags.at(-1)).toEqual(["encrypted"]);
    expect(template.content).not.toContain("secret");
    const read = parseJobFeedback(sign(template, providerSk), { secretKey: buyerSk });
    expect(read).toMatchObject({ ok: true, feedback: { content: "secret", encryption: "nip44" } });
    const unreadable = parseJobFeedback(sign(template, providerSk));
    expect(unreadable).toMatchObject({
      ok: true,
      feedback: { status: "partial", content: "", encryption: "nip44" },
    });
    if (unreadable.ok) expect(unreadable.feedback.warnings[0]).toMatch(/not read/);
    const empty = buildJobFeedback({ now: NOW, request: jobRef, status: "processing", encryption });
    expect(empty.tags).not.toContainEqual(["encrypted"]);
  });

  it("normalises foreign statuses and reads loose amounts", () => {
    const event = signed(
      {
        kind: 7000,
        tags: [
          ["status", "payment_required", "Please pay"],
          ["amount", " 5000 "],
          ["e", plainRequest.id.toUpperCase()],
        ],
      },
      otherSk,
    );
    expect(parseJobFeedback(event)).toMatchObject({
      ok: true,
      feedback: {
        status: "payment-required",
        statusAsSent: "payment_required",
        extra: "Please pay",
        amount: { msats: 5000 },
      },
    });
  });

  it("reads a standard client's Lightning quote: either status spelling, amount with its bolt11", () => {
    const bolt11 = "lnbcrt30n1pexample";
    for (const spelling of ["payment_required", "payment-required"]) {
      const event = signed(
        {
          kind: 7000,
          tags: [
            ["status", spelling],
            ["amount", "3000", bolt11],
            ["e", plainRequest.id],
          ],
        },
        otherSk,
      );
      expect(parseJobFeedback(event)).toMatchObject({
        ok: true,
        feedback: { status: "payment-required", amount: { msats: 3000, bolt11 } },
      });
    }
    expect(amountTag({ msats: 3000, bolt11 })).toEqual(["amount", "3000", bolt11]);
  });

  it("rejects feedback it cannot act on", () => {
    const noJob = feedbackWith([["status", "success"]]);
    expect(parseJobFeedback(noJob)).toMatchObject({
      ok: false,
      code: "invalid",
      reason: expect.stringMatching(/e tag/),
    });
    const oddStatus = feedbackWith([
      ["status", "vibing"],
      ["e", plainRequest.id],
    ]);
    expect(parseJobFeedback(oddStatus)).toMatchObject({
      ok: false,
      code: "invalid",
      reason: expect.stringMatching(/vibing/),
    });
    const noStatus = feedbackWith([["e", plainRequest.id]]);
    expect(parseJobFeedback(noStatus)).toMatchObject({ ok: false, code: "invalid" });
    const badAmount = feedbackWith([
      ["status", "error"],
      ["amount", "-5"],
      ["e", plainRequest.id],
    ]);
    expect(parseJobFeedback(badAmount)).toMatchObject({
      ok: false,
      code: "invalid",
      reason: expect.stringMatching(/amount/),
    });
    expect(parseJobFeedback(plainRequest)).toMatchObject({ ok: false, code: "invalid" });
    expect(parseJobFeedback(undefined)).toMatchObject({ ok: false, code: "invalid" });
  });

  it("refuses to build bad feedback", () => {
    expect(() => buildJobFeedback({ now: NOW, request: jobRef, status: "done" as "success" })).toThrow(
      TypeError,
    );
    expect(() =>
      buildJobFeedback({ now: NOW, request: { id: "x", pubkey: buyerPk }, status: "error" }),
    ).toThrow(TypeError);
    expect(() =>
      buildJobFeedback({ now: NOW, request: jobRef, status: "error", relayHint: "http://x" }),
    ).toThrow(TypeError);
    expect(() =>
      buildJobFeedback({ now: NOW, request: jobRef, status: "error", amount: { msats: 0.5 } }),
    ).toThrow(RangeError);
  });
});

describe("results", () => {
  it("emits request, e, copied i, p and amount for a plaintext job", () => {
    const template = buildJobResult({
      now: NOW + 2,
      request: plainRequest,
      output: "Hi!",
      amount: { msats: 42 },
    });
    expect(template).toEqual({
      kind: 6050,
      created_at: NOW + 2,
      content: "Hi!",
      tags: [
        ["request", expect.any(String)],
        ["e", plainRequest.id],
        ["i", "Say hi", "text"],
        ["p", buyerPk],
        ["amount", "42"],
      ],
    });
    expect(JSON.parse(template.tags[0]?.[1] ?? "")).toEqual(plainRequest);
    for (const tag of template.tags) expect(jobResultTagSchema.safeParse(tag).success).toBe(true);
    const lean = buildJobResult({ now: NOW, request: plainRequest, output: "Hi!", includeRequest: false });
    expect(lean.tags.map((tag) => tag[0])).toEqual(["e", "i", "p"]);
  });

  it("keeps in-memory extras out of the embedded request", () => {
    const decorated = { ...plainRequest, seenOn: ["wss://x"] } as NostrEvent;
    const tag = buildJobResult({ now: NOW, request: decorated, output: "x" }).tags[0];
    expect(JSON.parse(tag?.[1] ?? "")).toEqual(plainRequest);
  });

  it("round-trips a plaintext result", () => {
    const event = sign(buildJobResult({ now: NOW, request: plainRequest, output: "Hi!" }), providerSk);
    const parsed = parseJobResult(event);
    expect(parsed).toMatchObject({
      ok: true,
      result: {
        provider: providerPk,
        kind: 6050,
        requestKind: 5050,
        jobId: plainRequest.id,
        buyer: buyerPk,
        content: "Hi!",
        inputs: [{ data: "Say hi", type: "text" }],
        request: plainRequest,
        warnings: [],
      },
    });
  });

  it("encrypts the answer to an encrypted request and copies no input", () => {
    expect(() => buildJobResult({ now: NOW, request: secretRequest, output: "x" })).toThrow(/encrypted/);
    const template = buildJobResult({
      now: NOW,
      request: secretRequest,
      output: "the private answer",
      encryption: { sender: providerSk },
    });
    expect(template.tags.map((tag) => tag[0])).toEqual(["request", "e", "p", "encrypted"]);
    expect(template.content).not.toContain("private answer");
    const event = sign(template, providerSk);
    expect(parseJobResult(event, { secretKey: new ConversationKeyCache(buyerSk) })).toMatchObject({
      ok: true,
      result: { content: "the private answer", encryption: "nip44", inputs: [] },
    });
    expect(parseJobResult(event)).toMatchObject({ ok: false, code: "undecryptable" });
    expect(parseJobResult(event, { secretKey: otherSk })).toMatchObject({ ok: false, code: "undecryptable" });
  });

  it("answers a NIP-04 request in NIP-04", () => {
    const oldRequest = signed({
      kind: 5050,
      tags: [["p", providerPk], ["encrypted"]],
      content: nip04.encrypt(buyerSk, providerPk, JSON.stringify([["i", "old", "text"]])),
    });
    const event = sign(
      buildJobResult({ now: NOW, request: oldRequest, output: "reply", encryption: { sender: providerSk } }),
      providerSk,
    );
    expect(event.content).toContain("?iv=");
    expect(nip04.decrypt(buyerSk, providerPk, event.content)).toBe("reply");
  });

  it("tolerates a broken request tag but not a missing job reference", () => {
    const mismatched = signed(
      {
        kind: 6050,
        tags: [
          ["request", "{not json"],
          ["e", plainRequest.id],
          ["amount", "7", "lnbc70n1x"],
        ],
        content: "out",
      },
      providerSk,
    );
    const parsed = parseJobResult(mismatched);
    expect(parsed).toMatchObject({
      ok: true,
      result: { content: "out", amount: { msats: 7, bolt11: "lnbc70n1x" } },
    });
    if (parsed.ok) {
      expect(parsed.result.request).toBeUndefined();
      expect(parsed.result.warnings).toEqual(["request tag is not JSON"]);
    }
    const other = signed(
      {
        kind: 6050,
        tags: [
          ["request", JSON.stringify(secretRequest)],
          ["e", plainRequest.id],
        ],
      },
      providerSk,
    );
    const read = parseJobResult(other);
    expect(read.ok && read.result.warnings).toEqual([
      "request tag holds a different event than the e tag names",
    ]);
    expect(parseJobResult(signed({ kind: 6050, tags: [] }, providerSk))).toMatchObject({
      ok: false,
      code: "invalid",
    });
    expect(parseJobResult(feedbackWith([["e", plainRequest.id]]))).toMatchObject({
      ok: false,
      code: "invalid",
    });
  });
});
