/** Streaming (docs/protocol.md "Streaming (partial feedback)"): the opt-in param and the numbered pieces. */
import { describe, expect, it } from "vitest";
import { ConversationKeyCache } from "../src/nip44.js";
import { buildAnnouncement, parseAnnouncement } from "../src/nip89.js";
import { batchInput } from "../src/nip90-batch.js";
import { parseJobFeedback } from "../src/nip90-feedback.js";
import { outputPartTag } from "../src/nip90-parts.js";
import { buildEncryptedJobRequest, buildJobRequest } from "../src/nip90-request.js";
import { parseJobRequest } from "../src/nip90-request-parse.js";
import { buildStreamPartial, isStreamPiece, readStreamSeq } from "../src/nip90-stream.js";
import { buyerPk, buyerSk, NOW, providerPk, providerSk, sign, signed } from "./fixtures.js";

const opts = { now: NOW, ourPubkey: providerPk };
const jobRef = { id: "ab".repeat(32), pubkey: buyerPk };

describe("the stream param", () => {
  it("is written only when asked and read back as job.stream", () => {
    const asked = buildJobRequest({ now: NOW, prompt: "hi", stream: true });
    expect(asked.tags).toContainEqual(["param", "stream", "true"]);
    const parsed = parseJobRequest(sign(asked, buyerSk), opts);
    expect(parsed.ok && parsed.job.stream).toBe(true);
    expect(parsed.ok && parsed.job.extraParams.stream).toBeUndefined();

    const plain = buildJobRequest({ now: NOW, prompt: "hi" });
    expect(JSON.stringify(plain.tags)).not.toContain("stream");
    const read = parseJobRequest(sign(plain, buyerSk), opts);
    expect(read.ok && read.job.stream).toBeUndefined();
  });

  it("travels encrypted with the other params", () => {
    const template = buildEncryptedJobRequest(
      { now: NOW, provider: providerPk, prompt: "hi", stream: true },
      new ConversationKeyCache(buyerSk),
    );
    expect(JSON.stringify(template.tags)).not.toContain("stream");
    const parsed = parseJobRequest(sign(template, buyerSk), { now: NOW, secretKey: providerSk });
    expect(parsed.ok && parsed.job.stream).toBe(true);
  });

  it("reads foreign spellings of true, and refuses it as a free-form extra", () => {
    for (const value of ["1", "yes", "TRUE"]) {
      const event = signed({
        kind: 5050,
        tags: [
          ["i", "q", "text"],
          ["param", "Stream", value],
        ],
      });
      const parsed = parseJobRequest(event, opts);
      expect(parsed.ok && parsed.job.stream).toBe(true);
    }
    const no = parseJobRequest(
      signed({
        kind: 5050,
        tags: [
          ["i", "q", "text"],
          ["param", "stream", "false"],
        ],
      }),
      opts,
    );
    expect(no.ok && no.job.stream).toBeUndefined();
    expect(() => buildJobRequest({ now: NOW, prompt: "q", extraParams: { stream: "true" } })).toThrow(
      /typed field/,
    );
  });

  it("is never set for a batch: the builder refuses it, the parser ignores it with a warning", () => {
    const items = [{ id: "a", prompt: "one" }];
    expect(() => buildJobRequest({ now: NOW, inputs: [batchInput(items)], stream: true })).toThrow(/batch/);
    const event = sign(buildJobRequest({ now: NOW, inputs: [batchInput(items)] }), buyerSk);
    const tampered = signed({ kind: 5050, tags: [...event.tags, ["param", "stream", "true"]] });
    const parsed = parseJobRequest(tampered, opts);
    expect(parsed.ok && parsed.job.stream).toBeUndefined();
    expect(parsed.ok && parsed.job.warnings.join(";")).toMatch(/batch is not streamed/);
  });
});

describe("stream pieces", () => {
  it("are partial feedback carrying the new text and a seq tag, read back with their number", () => {
    const template = buildStreamPartial({ now: NOW, request: jobRef, seq: 3, text: "Hello, " });
    expect(template.kind).toBe(7000);
    expect(template.tags).toContainEqual(["status", "partial"]);
    expect(template.tags).toContainEqual(["seq", "3"]);
    const event = sign(template, providerSk);
    const parsed = parseJobFeedback(event);
    expect(parsed.ok && parsed.feedback.status).toBe("partial");
    expect(parsed.ok && parsed.feedback.content).toBe("Hello, ");
    expect(readStreamSeq(event)).toBe(3);
    expect(isStreamPiece(event)).toBe(true);
  });

  it("are encrypted to the buyer when asked, readable only with the buyer's key", () => {
    const template = buildStreamPartial({
      now: NOW,
      request: jobRef,
      seq: 0,
      text: "secret words",
      encryption: { sender: new ConversationKeyCache(providerSk) },
    });
    expect(template.content).not.toContain("secret");
    expect(template.tags).toContainEqual(["encrypted"]);
    const event = sign(template, providerSk);
    const parsed = parseJobFeedback(event, { secretKey: buyerSk });
    expect(parsed.ok && parsed.feedback.content).toBe("secret words");
    expect(readStreamSeq(event)).toBe(0);
  });

  it("refuse a bad seq or empty text; tolerate foreign partials without seq; tell output parts apart", () => {
    expect(() => buildStreamPartial({ now: NOW, request: jobRef, seq: -1, text: "x" })).toThrow(RangeError);
    expect(() => buildStreamPartial({ now: NOW, request: jobRef, seq: 1.5, text: "x" })).toThrow(RangeError);
    expect(() => buildStreamPartial({ now: NOW, request: jobRef, seq: 0, text: "" })).toThrow(TypeError);
    const foreign = {
      tags: [
        ["status", "partial"],
        ["e", jobRef.id],
      ],
    };
    expect(readStreamSeq(foreign)).toBeUndefined();
    expect(isStreamPiece(foreign)).toBe(true);
    expect(readStreamSeq({ tags: [["seq", "x1"]] })).toBeUndefined();
    expect(readStreamSeq({ tags: [["seq", "99999999"]] })).toBeUndefined();
    expect(isStreamPiece({ tags: [["status", "partial"], outputPartTag(1, 2)] })).toBe(false);
  });
});

describe("the announcement", () => {
  it("says streaming: true only for providers that stream; anything else reads as not streaming", () => {
    const base = { now: NOW, handlerId: "pylon", name: "n", models: [{ name: "m" }] };
    const streaming = buildAnnouncement({ ...base, streaming: true });
    expect(JSON.parse(streaming.content).streaming).toBe(true);
    const read = parseAnnouncement(sign(streaming, providerSk));
    expect(read.ok && read.announcement.streaming).toBe(true);
    const plain = buildAnnouncement(base);
    expect(JSON.parse(plain.content).streaming).toBeUndefined();
    const odd = { ...plain, content: JSON.stringify({ ...JSON.parse(plain.content), streaming: "yes" }) };
    const oddRead = parseAnnouncement(sign(odd, providerSk));
    expect(oddRead.ok && oddRead.announcement.streaming).toBeUndefined();
    expect(oddRead.ok && oddRead.announcement.warnings.join(";")).toMatch(/streaming unreadable/);
  });
});
