import { describe, expect, it } from "vitest";
import { ConversationKeyCache } from "../src/nip44.js";
import { buildAnnouncement, parseAnnouncement } from "../src/nip89.js";
import {
  BATCH_INPUT_TYPE,
  type BatchItem,
  batchInput,
  decodeBatchResults,
  encodeBatchResults,
  MAX_BATCH_ITEMS,
  readBatchItems,
} from "../src/nip90-batch.js";
import { inputTag } from "../src/nip90-inputs.js";
import { buildEncryptedJobRequest, buildJobRequest } from "../src/nip90-request.js";
import { type ParsedJobRequest, parseJobRequest } from "../src/nip90-request-parse.js";
import { buyerSk, NOW, providerPk, providerSk, sign, signed } from "./fixtures.js";

const items: BatchItem[] = [
  { id: "0", prompt: "What is 2+2?" },
  { id: "1", prompt: "Name a colour.", system: "Be terse.", maxTokens: 8, temperature: 0.2 },
];
const opts = { now: NOW, ourPubkey: providerPk };

function expectJob(parsed: ParsedJobRequest) {
  if (!parsed.ok) throw new Error(`expected a job, got ${parsed.code}: ${parsed.reason}`);
  return parsed.job;
}

/** A request whose only input is `data` typed as a batch (to feed the parser what builders refuse). */
function rawBatch(data: unknown, extraTags: string[][] = []) {
  const text = typeof data === "string" ? data : JSON.stringify(data);
  return signed({ kind: 5050, tags: [["i", text, "pylon-batch"], ...extraTags] });
}

function refusal(parsed: ParsedJobRequest): string {
  expect(parsed.ok).toBe(false);
  if (parsed.ok) return "";
  expect(parsed.code).toBe("invalid");
  return parsed.reason;
}

describe("batch input: wire form", () => {
  it("writes items in snake_case with optional fields left out", () => {
    const input = batchInput(items);
    expect(input.type).toBe(BATCH_INPUT_TYPE);
    expect(JSON.parse(input.data)).toEqual([
      { id: "0", prompt: "What is 2+2?" },
      { id: "1", prompt: "Name a colour.", system: "Be terse.", max_tokens: 8, temperature: 0.2 },
    ]);
    expect(inputTag(input)).toEqual(["i", input.data, "pylon-batch"]);
  });

  it("reads back what it wrote, and nothing when there is no batch input", () => {
    expect(readBatchItems([batchInput(items)])).toEqual({ ok: true, items });
    expect(readBatchItems([{ data: "hello", type: "text" }])).toBeUndefined();
  });

  it("refuses, with a reason naming the problem, every malformed batch", () => {
    const read = (data: unknown, maxItems?: number) =>
      readBatchItems(
        [{ data: typeof data === "string" ? data : JSON.stringify(data), type: "pylon-batch" }],
        maxItems,
      );
    const cases: Array<[unknown, RegExp, number?]> = [
      ["not json", /not JSON/],
      [{ id: "0", prompt: "x" }, /JSON array/],
      [[], /empty/],
      [
        [
          { id: "0", prompt: "a" },
          { id: "0", prompt: "b" },
        ],
        /item 1: duplicate id "0"/,
      ],
      [[{ prompt: "a" }], /item 0: id must be a string/],
      [[{ id: 7, prompt: "a" }], /item 0: id must be a string/],
      [[{ id: "x".repeat(65), prompt: "a" }], /id must be a string of 1 to 64/],
      [[{ id: "0", prompt: "  " }], /prompt must be a non-empty string/],
      [[{ id: "0" }], /prompt must be/],
      [[{ id: "0", prompt: "a", system: 3 }], /system must be a string/],
      [[{ id: "0", prompt: "a", max_tokens: 0 }], /max_tokens must be an integer/],
      [[{ id: "0", prompt: "a", max_tokens: 1.5 }], /max_tokens must be an integer/],
      [[{ id: "0", prompt: "a", max_tokens: "12" }], /max_tokens must be an integer/],
      [[{ id: "0", prompt: "a", temperature: 3 }], /temperature must be a number from 0 to 2/],
      [["a string"], /item 0: not a JSON object/],
      [
        [
          { id: "0", prompt: "a" },
          { id: "1", prompt: "b" },
          { id: "2", prompt: "c" },
        ],
        /3 items, more than the 2 allowed/,
        2,
      ],
    ];
    for (const [data, reason, max] of cases) {
      const result = read(data, max);
      expect(result?.ok, JSON.stringify(data)).toBe(false);
      if (result && !result.ok) expect(result.error).toMatch(reason);
    }
    const tooMany = Array.from({ length: MAX_BATCH_ITEMS + 1 }, (_, i) => ({ id: String(i), prompt: "p" }));
    expect(read(tooMany)).toEqual({
      ok: false,
      error: `the batch has ${MAX_BATCH_ITEMS + 1} items, more than the ${MAX_BATCH_ITEMS} allowed`,
    });
  });

  it("refuses a batch mixed with other inputs, or two batches", () => {
    const batch = batchInput(items);
    expect(readBatchItems([batch, { data: "also this", type: "text" }])).toMatchObject({
      ok: false,
      error: expect.stringMatching(/cannot be mixed/),
    });
    expect(readBatchItems([batch, batch])).toMatchObject({
      ok: false,
      error: expect.stringMatching(/at most one/),
    });
  });

  it("ignores unknown item fields (room for later additions)", () => {
    const read = readBatchItems([
      { data: JSON.stringify([{ id: "a", prompt: "p", top_k: 3 }]), type: "pylon-batch" },
    ]);
    expect(read).toEqual({ ok: true, items: [{ id: "a", prompt: "p" }] });
  });

  it("builders refuse bad batches and batches beside a prompt", () => {
    expect(() => batchInput([])).toThrow(/empty/);
    expect(() =>
      batchInput([
        { id: "0", prompt: "a" },
        { id: "0", prompt: "b" },
      ]),
    ).toThrow(/duplicate id/);
    expect(() => inputTag({ data: "[]", type: "pylon-batch" })).toThrow(
      /bad batch input: the batch is empty/,
    );
    expect(() => buildJobRequest({ now: NOW, prompt: "hi", inputs: [batchInput(items)] })).toThrow(
      /only input/,
    );
    expect(() => buildJobRequest({ now: NOW, systemPrompt: "sys", inputs: [batchInput(items)] })).toThrow(
      /only input/,
    );
  });
});

describe("batch requests: build and parse", () => {
  it("round-trips a plaintext batch with request-level params, bid, p, expiration and extra params", () => {
    const template = buildJobRequest({
      now: NOW,
      inputs: [batchInput(items)],
      params: { model: "tiny", maxTokens: 32 },
      extraParams: { tab: "open" },
      bidMsats: 5_000,
      provider: providerPk,
      expiration: NOW + 60,
    });
    expect(template.tags[0]).toEqual([
      "i",
      JSON.stringify(JSON.parse(batchInput(items).data)),
      "pylon-batch",
    ]);
    const job = expectJob(parseJobRequest(sign(template, buyerSk), opts));
    expect(job.batch).toEqual(items);
    expect(job.prompt).toBe("");
    expect(job.params).toMatchObject({ model: "tiny", maxTokens: 32 });
    expect(job.extraParams).toEqual({ tab: "open" });
    expect(job.bidMsats).toBe(5_000);
    expect(job.expiration).toBe(NOW + 60);
    expect(job.providers).toEqual([providerPk]);
  });

  it("round-trips an encrypted batch carrying a cashu token; nothing of it is public", () => {
    const template = buildEncryptedJobRequest(
      { now: NOW, inputs: [batchInput(items)], provider: providerPk, cashuToken: "cashuBxyz" },
      buyerSk,
    );
    expect(JSON.stringify(template.tags)).not.toContain("pylon-batch");
    const job = expectJob(
      parseJobRequest(sign(template, buyerSk), {
        now: NOW,
        secretKey: new ConversationKeyCache(providerSk),
      }),
    );
    expect(job.batch).toEqual(items);
    expect(job.encryption).toBe("nip44");
    expect(job.cashuToken).toBe("cashuBxyz");
  });

  it("lowers item max_tokens to the provider's cap, with a warning", () => {
    const job = expectJob(
      parseJobRequest(
        rawBatch([
          { id: "a", prompt: "p", max_tokens: 5_000 },
          { id: "b", prompt: "q" },
        ]),
        {
          ...opts,
          maxTokensCap: 100,
        },
      ),
    );
    expect(job.batch).toEqual([
      { id: "a", prompt: "p", maxTokens: 100 },
      { id: "b", prompt: "q" },
    ]);
    expect(job.warnings).toContain("max_tokens of 1 batch item(s) lowered to 100");
  });

  it("refuses a malformed batch as invalid, with the reader's reason", () => {
    expect(refusal(parseJobRequest(rawBatch("[{"), opts))).toMatch(/^bad batch: the batch input is not JSON/);
    expect(refusal(parseJobRequest(rawBatch([]), opts))).toMatch(/the batch is empty/);
    expect(
      refusal(parseJobRequest(rawBatch([{ id: "0", prompt: "a" }], [["i", "more", "text"]]), opts)),
    ).toMatch(/cannot be mixed/);
  });

  it("ignores content and param prompt beside a batch, with a warning", () => {
    const event = signed({
      kind: 5050,
      tags: [
        ["i", JSON.stringify([{ id: "0", prompt: "a" }]), "pylon-batch"],
        ["param", "prompt", "ignored"],
      ],
      content: "also ignored",
    });
    const job = expectJob(parseJobRequest(event, opts));
    expect(job.prompt).toBe("");
    expect(job.batch).toEqual([{ id: "0", prompt: "a" }]);
    expect(job.warnings).toContain("param prompt/system ignored: a batch carries its prompts in its items");
  });

  it("leaves single-prompt requests as they were", () => {
    const job = expectJob(parseJobRequest(signed({ kind: 5050, tags: [["i", "hello", "text"]] }), opts));
    expect(job.batch).toBeUndefined();
    expect(job.prompt).toBe("hello");
  });
});

describe("batch results", () => {
  it("encodes in snake_case and decodes back", () => {
    const results = [
      { id: "0", output: "4", outputTokens: 1, msats: 30 },
      { id: "1", error: "generation failed: boom", msats: 0 },
    ];
    const content = encodeBatchResults(results);
    expect(JSON.parse(content)).toEqual({
      items: [
        { id: "0", output: "4", output_tokens: 1, msats: 30 },
        { id: "1", error: "generation failed: boom", msats: 0 },
      ],
    });
    expect(decodeBatchResults(content)).toEqual(results);
  });

  it("decodes leniently: bad entries and counts dropped, an entry without output reads as an error", () => {
    const content = JSON.stringify({
      items: [{ id: "a", output: "x", output_tokens: -1, msats: "5" }, { output: "no id" }, 7, { id: "b" }],
    });
    expect(decodeBatchResults(content)).toEqual([
      { id: "a", output: "x" },
      { id: "b", error: "no output for this item" },
    ]);
  });

  it("is undefined for content that is not a batch result", () => {
    for (const content of ["plain text output", "[1,2]", "{}", '{"items":3}', ""]) {
      expect(decodeBatchResults(content)).toBeUndefined();
    }
  });
});

describe("announcement: capacity.max_batch", () => {
  const spec = {
    now: NOW,
    handlerId: "pylon",
    name: "node",
    about: "",
    models: [],
    capacity: { slots: 8, maxQueue: 16, maxBatch: 64 },
    payment: { methods: [], mints: [] },
    ttlSec: 600,
  };

  it("writes max_batch and reads it back as capacity.maxBatch", () => {
    const template = buildAnnouncement(spec);
    expect(JSON.parse(template.content).capacity).toEqual({ slots: 8, queue: 16, max_batch: 64 });
    const parsed = parseAnnouncement(sign(template, providerSk));
    expect(parsed.ok && parsed.announcement.capacity).toEqual({ slots: 8, maxQueue: 16, maxBatch: 64 });
  });

  it("reads no batch support when absent, zero or malformed, keeping slots and queue", () => {
    for (const maxBatch of [undefined, 0, "lots", -3]) {
      const capacity =
        maxBatch === undefined ? { slots: 2, queue: 4 } : { slots: 2, queue: 4, max_batch: maxBatch };
      const event = signed(
        {
          kind: 31990,
          tags: [
            ["d", "x"],
            ["k", "5050"],
          ],
          content: JSON.stringify({ capacity }),
        },
        providerSk,
      );
      const parsed = parseAnnouncement(event);
      expect(parsed.ok && parsed.announcement.capacity).toEqual({ slots: 2, maxQueue: 4 });
    }
  });
});
