import { describe, expect, it } from "vitest";
import { isModelDigest } from "../src/model-identity.js";
import { buildAnnouncement, parseAnnouncement } from "../src/nip89.js";
import { batchInput, readBatchItems } from "../src/nip90-batch.js";
import { paramTags, readParams } from "../src/nip90-params.js";
import { buildEncryptedJobRequest, buildJobRequest } from "../src/nip90-request.js";
import { parseJobRequest } from "../src/nip90-request-parse.js";
import { buyerSk, NOW, providerPk, providerSk, sign, signed } from "./fixtures.js";

const DIGEST = `sha256:${"0123456789abcdef".repeat(4)}`;
const identity = { digest: DIGEST, sizeBytes: 1_234_567, architecture: "llama", quantisation: "Q4_K_M" };

/** An announcement whose content carries these model entries, as anyone might write them. */
function announced(models: unknown[]) {
  const parsed = parseAnnouncement(
    signed(
      { kind: 31990, tags: [["k", "5050"]], content: JSON.stringify({ name: "n", models }) },
      providerSk,
    ),
  );
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.announcement;
}

describe("isModelDigest", () => {
  it("takes sha256: and 64 lowercase hex digits, nothing else", () => {
    expect(isModelDigest(DIGEST)).toBe(true);
    for (const bad of [
      DIGEST.toUpperCase(),
      DIGEST.slice(0, -1),
      `${DIGEST}0`,
      DIGEST.replace("sha256:", ""),
      DIGEST.replace("sha256:", "sha512:"),
      `${DIGEST.slice(0, -1)}g`,
      ` ${DIGEST}`,
      42,
      undefined,
    ])
      expect(isModelDigest(bad), String(bad)).toBe(false);
  });
});

describe("model identity in announcements", () => {
  it("writes digest, size, arch and quant per model and reads them back", () => {
    const template = buildAnnouncement({
      now: NOW,
      handlerId: "h",
      name: "node",
      models: [{ name: "tiny", contextLength: 2048, ...identity }, { name: "plain" }],
    });
    const content = JSON.parse(template.content) as { models: unknown[] };
    expect(content.models).toEqual([
      { name: "tiny", context: 2048, digest: DIGEST, size: 1_234_567, arch: "llama", quant: "Q4_K_M" },
      { name: "plain" },
    ]);
    const parsed = parseAnnouncement(sign(template, providerSk));
    if (!parsed.ok) throw new Error(parsed.reason);
    expect(parsed.announcement.models).toEqual([
      { name: "tiny", contextLength: 2048, ...identity },
      { name: "plain" },
    ]);
    expect(parsed.announcement.warnings).toEqual([]);
  });

  it("reads a malformed identity field as absent with a warning, keeping the model and its other fields", () => {
    const read = announced([
      { name: "a", context: 100, digest: "sha256:abc", size: -1, arch: "", quant: 7 },
      { name: "b", digest: ` ${DIGEST.toUpperCase()} `, size: 10, arch: " qwen2 ", quant: "x".repeat(65) },
    ]);
    expect(read.models).toEqual([
      { name: "a", contextLength: 100 },
      { name: "b", digest: DIGEST, sizeBytes: 10, architecture: "qwen2" },
    ]);
    expect(read.warnings).toEqual([
      "announcement model digest unreadable, ignored",
      "announcement model size unreadable, ignored",
      "announcement model arch unreadable, ignored",
      "announcement model quant unreadable, ignored",
      "announcement model quant unreadable, ignored",
    ]);
  });

  it("refuses to build an announcement whose identity a reader would drop", () => {
    const build = (model: object) =>
      buildAnnouncement({ now: NOW, handlerId: "h", name: "n", models: [{ name: "m", ...model }] });
    expect(() => build({ digest: "sha256:abc" })).toThrow(/digest must be "sha256:"/);
    expect(() => build({ digest: DIGEST.toUpperCase() })).toThrow(/digest/);
    expect(() => build({ sizeBytes: 1.5 })).toThrow(/sizeBytes/);
    expect(() => build({ quantisation: " " })).toThrow(/quantisation/);
  });
});

describe("the model_digest param", () => {
  it("round-trips through a request, plain and encrypted", () => {
    expect(paramTags({ modelDigest: DIGEST, seed: 7 })).toEqual([
      ["param", "model_digest", DIGEST],
      ["param", "seed", "7"],
    ]);
    const plain = sign(
      buildJobRequest({ now: NOW, prompt: "hi", params: { modelDigest: DIGEST, temperature: 0, seed: 3 } }),
      buyerSk,
    );
    const parsed = parseJobRequest(plain, { now: NOW });
    expect(parsed.ok && parsed.job.params).toEqual({ modelDigest: DIGEST, temperature: 0, seed: 3 });
    const encrypted = sign(
      buildEncryptedJobRequest(
        { now: NOW, prompt: "hi", provider: providerPk, params: { modelDigest: DIGEST } },
        buyerSk,
      ),
      buyerSk,
    );
    const read = parseJobRequest(encrypted, { now: NOW, secretKey: providerSk });
    expect(read.ok && read.job.params.modelDigest).toBe(DIGEST);
  });

  it("reads foreign spellings in our spelling, and refuses a malformed digest naming the param", () => {
    const ok = readParams([["param", "modelDigest", ` ${DIGEST.toUpperCase()} `]]);
    expect(ok.ok && ok.value.params.modelDigest).toBe(DIGEST);
    for (const bad of ["sha256:abc", DIGEST.replace("sha256:", "md5:"), ""]) {
      const read = readParams([["param", "model_digest", bad]]);
      expect(read.ok).toBe(false);
      if (!read.ok) {
        expect(read.code).toBe("invalid");
        expect(read.reason).toMatch(/^param model_digest: .*is not "sha256:" and 64 hex digits/);
      }
    }
    expect(() => paramTags({ modelDigest: "sha256:abc" })).toThrow(/param model_digest/);
  });
});

describe("batch item seeds", () => {
  it("writes and reads a seed per item, validated as an unsigned 32-bit integer", () => {
    const input = batchInput([
      { id: "0", prompt: "a", temperature: 0, seed: 0 },
      { id: "1", prompt: "b", seed: 2 ** 32 - 1 },
      { id: "2", prompt: "c" },
    ]);
    expect(JSON.parse(input.data)).toEqual([
      { id: "0", prompt: "a", temperature: 0, seed: 0 },
      { id: "1", prompt: "b", seed: 2 ** 32 - 1 },
      { id: "2", prompt: "c" },
    ]);
    expect(readBatchItems([input])).toEqual({
      ok: true,
      items: [
        { id: "0", prompt: "a", temperature: 0, seed: 0 },
        { id: "1", prompt: "b", seed: 2 ** 32 - 1 },
        { id: "2", prompt: "c" },
      ],
    });
    for (const seed of [-1, 2 ** 32, 1.5, "7", true]) {
      const read = readBatchItems([
        { data: JSON.stringify([{ id: "0", prompt: "a", seed }]), type: "pylon-batch" },
      ]);
      expect(read, String(seed)).toEqual({
        ok: false,
        error: "item 0: seed must be an integer from 0 to 4294967295",
      });
    }
    expect(() => batchInput([{ id: "0", prompt: "a", seed: -1 }])).toThrow(/seed must be an integer/);
  });
});
