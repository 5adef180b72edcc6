import { Cleanup } from "@pylon/testkit";
import { startTestRelay } from "@pylon/testkit/market";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningProvider } from "../src/provider.js";
import { MAX_EVENT_BYTES } from "../src/replies/event-size.js";
import { PLAINTEXT_PART_BYTES, splitOutput } from "../src/replies/output-parts.js";
import { buyerClient, startNode } from "./helpers/harness.js";

describe("splitOutput", () => {
  it("keeps every part within budget as written in JSON, never splits a character, and loses nothing", () => {
    const output = `${'say "hi"\\\n\t'.repeat(3_000)}${"é😀".repeat(5_000)}\u0001`;
    const parts = splitOutput(output, 10_000, false);
    expect(parts.join("")).toBe(output);
    expect(parts.length).toBeGreaterThan(4);
    for (const part of parts) {
      expect(Buffer.byteLength(JSON.stringify(part)) - 2).toBeLessThanOrEqual(10_000);
      expect(part.codePointAt(part.length - 1)).not.toBe(0xd83d); // no dangling high surrogate
    }
  });

  it("measures encrypted parts as UTF-8 plaintext and returns one part for a small output", () => {
    expect(splitOutput("short", 30_000, true)).toEqual(["short"]);
    const parts = splitOutput("😀".repeat(20_000), 30_000, true);
    expect(parts.map((part) => Buffer.byteLength(part))).toEqual([30_000, 30_000, 20_000]);
  });
});

// A real relay that refuses events over 64 KiB, and a scripted backend: it can produce a 150 KB output
// instantly and deterministically, which the tiny model's 2,048-token context cannot.
describe("outputs over the relay's event size limit", () => {
  const cleanup = new Cleanup();
  const output = `${'A "quoted" line, ünïcödé and 😀 emoji.\n'.repeat(3_600)}the end`;
  let relayUrl: string;
  let node: RunningProvider;

  beforeAll(async () => {
    relayUrl = (await startTestRelay(cleanup)).url;
    node = await startNode(cleanup, {
      relays: [relayUrl],
      model: { type: "scripted", reply: output },
      maxTokens: 100_000,
    });
  });
  afterAll(() => cleanup.run());

  for (const encryption of [undefined, "nip44", "nip04"] as const) {
    it(`arrive whole in numbered parts (${encryption ?? "plaintext"}), every event within the limit`, async () => {
      const { client, pool } = buyerClient(cleanup, relayUrl);
      const outcome = await client.submit({
        prompt: "write a lot",
        provider: node.pubkey,
        params: { maxTokens: 100_000 },
        ...(encryption ? { encryption } : {}),
      });
      expect(Buffer.byteLength(output)).toBeGreaterThan(150_000);
      expect(outcome.output).toBe(output);
      expect(outcome.parts).toBeGreaterThan(Math.floor(Buffer.byteLength(output) / PLAINTEXT_PART_BYTES));

      const stored = await pool.query({ kinds: [6050, 7000], "#e": [outcome.jobId] });
      const parts = stored.filter((event) => event.tags.some((tag) => tag[0] === "part"));
      expect(parts).toHaveLength(outcome.parts);
      for (const event of stored)
        expect(Buffer.byteLength(JSON.stringify(event))).toBeLessThanOrEqual(MAX_EVENT_BYTES);
      const result = stored.find((event) => event.kind === 6050)!;
      expect(result.tags.find((tag) => tag[0] === "part")).toEqual([
        "part",
        String(outcome.parts),
        String(outcome.parts),
      ]);
    });
  }
});

// A relay whose NIP-11 document says 16 KB messages (as small paid relays set): parts are sized to it.
describe("outputs over a small relay's message limit (16 KB, from its NIP-11 document)", () => {
  const cleanup = new Cleanup();
  const LIMIT = 16_384;
  const output = `${"a line of the answer, ünïcödé 😀\n".repeat(1_500)}the end`;
  let relayUrl: string;
  let node: RunningProvider;

  beforeAll(async () => {
    relayUrl = (await startTestRelay(cleanup, { limits: { maxMessageBytes: LIMIT } })).url;
    node = await startNode(cleanup, {
      relays: [relayUrl],
      model: { type: "scripted", reply: output },
      maxTokens: 100_000,
    });
  });
  afterAll(() => cleanup.run());

  for (const encryption of [undefined, "nip44", "nip04"] as const) {
    it(`arrive whole, every message within 16 KB (${encryption ?? "plaintext"})`, async () => {
      const { client, pool } = buyerClient(cleanup, relayUrl);
      const outcome = await client.submit({
        prompt: "write a lot",
        provider: node.pubkey,
        params: { maxTokens: 100_000 },
        ...(encryption ? { encryption } : {}),
      });
      expect(outcome.output).toBe(output);
      expect(outcome.parts).toBeGreaterThan(Math.floor(Buffer.byteLength(output) / LIMIT));
      const stored = await pool.query({ kinds: [6050, 7000], "#e": [outcome.jobId] });
      for (const event of stored)
        expect(Buffer.byteLength(JSON.stringify(["EVENT", event]))).toBeLessThanOrEqual(LIMIT);
    });
  }
});
