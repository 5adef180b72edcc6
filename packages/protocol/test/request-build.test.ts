import { describe, expect, it } from "vitest";
import { eventTemplateSchema } from "../src/event.js";
import { ConversationKeyCache, decryptParams } from "../src/nip44.js";
import { buildEncryptedJobRequest, buildJobRequest, jobRequestTagSchema } from "../src/nip90-request.js";
import { parseJobRequest } from "../src/nip90-request-parse.js";
import { buyerPk, buyerSk, NOW, providerPk, providerSk, sign } from "./fixtures.js";

function expectSchemaValid(template: { tags: string[][] }) {
  expect(eventTemplateSchema.safeParse(template).success).toBe(true);
  for (const tag of template.tags)
    expect(jobRequestTagSchema.safeParse(tag).success, JSON.stringify(tag)).toBe(true);
}

describe("buildJobRequest", () => {
  it("emits exactly the NIP-90 tags, in order", () => {
    const template = buildJobRequest({
      now: NOW,
      prompt: "Say hi",
      systemPrompt: "Be brief",
      params: {
        model: "tiny",
        maxTokens: 64,
        temperature: 0.7,
        topK: 40,
        topP: 0.9,
        seed: 7,
        stop: ["\n\n", "END"],
      },
      bidMsats: 5000,
      relays: ["wss://relay.one", "ws://127.0.0.1:7777"],
      provider: providerPk,
      expiration: NOW + 60,
    });
    expect(template).toEqual({
      kind: 5050,
      created_at: NOW,
      content: "",
      tags: [
        ["i", "Be brief", "text", "", "system"],
        ["i", "Say hi", "text"],
        ["output", "text/plain"],
        ["param", "model", "tiny"],
        ["param", "max_tokens", "64"],
        ["param", "temperature", "0.7"],
        ["param", "top_k", "40"],
        ["param", "top_p", "0.9"],
        ["param", "seed", "7"],
        ["param", "stop", "\n\n"],
        ["param", "stop", "END"],
        ["bid", "5000"],
        ["relays", "wss://relay.one", "ws://127.0.0.1:7777"],
        ["p", providerPk],
        ["expiration", String(NOW + 60)],
      ],
    });
    expectSchemaValid(template);
  });

  it("keeps a minimal request minimal", () => {
    expect(buildJobRequest({ now: NOW, prompt: "hi" }).tags).toEqual([
      ["i", "hi", "text"],
      ["output", "text/plain"],
    ]);
  });

  it("round-trips through the parser", () => {
    const params = {
      model: "tiny",
      maxTokens: 32,
      temperature: 0,
      frequencyPenalty: -0.5,
      presencePenalty: 1.5,
      minP: 0.05,
    };
    const extraParams = { lang: "en" };
    const event = sign(
      buildJobRequest({
        now: NOW,
        prompt: "Count to three",
        systemPrompt: "You count.",
        params,
        extraParams,
        bidMsats: 1234,
        relays: ["wss://r.example"],
        provider: providerPk,
        expiration: NOW + 30,
      }),
      buyerSk,
    );
    const parsed = parseJobRequest(event, { now: NOW, ourPubkey: providerPk });
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.job).toMatchObject({
      id: event.id,
      buyer: buyerPk,
      kind: 5050,
      prompt: "Count to three",
      systemPrompt: "You count.",
      params,
      extraParams,
      output: "text/plain",
      bidMsats: 1234,
      relays: ["wss://r.example"],
      providers: [providerPk],
      expiration: NOW + 30,
      warnings: [],
    });
    expect(parsed.job.encryption).toBeUndefined();
    expect(parsed.job.event).toEqual(event);
  });

  it("carries url and event inputs with relay and marker", () => {
    const eventId = "ab".repeat(32);
    const template = buildJobRequest({
      now: NOW,
      prompt: "Summarise these",
      inputs: [
        { data: "https://example.com/a.txt", type: "url" },
        { data: eventId, type: "event", relay: "wss://r.example" },
        { data: eventId, type: "job", marker: "source" },
      ],
    });
    expect(template.tags.slice(0, 4)).toEqual([
      ["i", "Summarise these", "text"],
      ["i", "https://example.com/a.txt", "url"],
      ["i", eventId, "event", "wss://r.example"],
      ["i", eventId, "job", "", "source"],
    ]);
    expectSchemaValid(template);
  });

  it("refuses what a parser would refuse", () => {
    expect(() => buildJobRequest({ now: NOW })).toThrow(/prompt/);
    expect(() => buildJobRequest({ now: NOW, systemPrompt: "only system" })).toThrow(/prompt/);
    expect(() => buildJobRequest({ now: NOW, prompt: "x", params: { temperature: 3 } })).toThrow(
      /temperature/,
    );
    expect(() => buildJobRequest({ now: NOW, prompt: "x", params: { maxTokens: 0 } })).toThrow(/max_tokens/);
    expect(() => buildJobRequest({ now: NOW, prompt: "x", params: { topK: 1.5 } })).toThrow(/top_k/);
    expect(() => buildJobRequest({ now: NOW, prompt: "x", params: { model: " " } })).toThrow(/model/);
    expect(() => buildJobRequest({ now: NOW, prompt: "x", params: { stop: [""] } })).toThrow(/stop/);
    expect(() => buildJobRequest({ now: NOW, prompt: "x", extraParams: { "top-k": "3" } })).toThrow(
      /typed field/,
    );
    expect(() => buildJobRequest({ now: NOW, prompt: "x", bidMsats: -1 })).toThrow(RangeError);
    expect(() => buildJobRequest({ now: NOW, prompt: "x", provider: "npub1abc" })).toThrow(TypeError);
    expect(() => buildJobRequest({ now: NOW, prompt: "x", relays: ["https://nope"] })).toThrow(TypeError);
    expect(() => buildJobRequest({ now: NOW, prompt: "x", expiration: NOW })).toThrow(RangeError);
    expect(() => buildJobRequest({ now: NOW, prompt: "x", kind: 6050 })).toThrow(RangeError);
    expect(() => buildJobRequest({ now: 1.5, prompt: "x" })).toThrow(RangeError);
    expect(() => buildJobRequest({ now: NOW, inputs: [{ data: "nope", type: "event" }] })).toThrow(TypeError);
    const smuggled = { now: NOW, prompt: "x", cashuToken: "cashuBxyz" };
    expect(() => buildJobRequest(smuggled)).toThrow(/encrypted/);
  });
});

describe("buildEncryptedJobRequest", () => {
  it("moves i and param tags into NIP-44 content and keeps the rest public", () => {
    const template = buildEncryptedJobRequest(
      {
        now: NOW,
        prompt: "secret question",
        params: { model: "tiny", maxTokens: 16 },
        bidMsats: 900,
        provider: providerPk,
        expiration: NOW + 120,
        cashuToken: "cashuBo2FteCJodHRw",
      },
      buyerSk,
    );
    expect(template.tags).toEqual([
      ["output", "text/plain"],
      ["bid", "900"],
      ["p", providerPk],
      ["encrypted"],
      ["expiration", String(NOW + 120)],
    ]);
    expect(template.content).not.toContain("secret");
    expectSchemaValid(template);
    const inner = decryptParams({ content: template.content, pubkey: buyerPk }, providerSk);
    expect(inner).toMatchObject({
      ok: true,
      scheme: "nip44",
      tags: [
        ["i", "secret question", "text"],
        ["param", "model", "tiny"],
        ["param", "max_tokens", "16"],
        ["param", "cashu", "cashuBo2FteCJodHRw"],
      ],
    });
  });

  it("round-trips through the parser with the provider's key cache", () => {
    const event = sign(
      buildEncryptedJobRequest(
        {
          now: NOW,
          prompt: "secret",
          params: { temperature: 1.2 },
          provider: providerPk,
          cashuToken: "cashuBtoken",
        },
        new ConversationKeyCache(buyerSk),
      ),
      buyerSk,
    );
    const parsed = parseJobRequest(event, { now: NOW + 1, secretKey: new ConversationKeyCache(providerSk) });
    expect(parsed).toMatchObject({
      ok: true,
      job: {
        prompt: "secret",
        params: { temperature: 1.2 },
        encryption: "nip44",
        cashuToken: "cashuBtoken",
        providers: [providerPk],
        warnings: [],
      },
    });
  });

  it("can encrypt with NIP-04 for old providers", () => {
    const event = sign(
      buildEncryptedJobRequest({ now: NOW, prompt: "old school", provider: providerPk }, buyerSk, "nip04"),
      buyerSk,
    );
    expect(event.content).toContain("?iv=");
    const parsed = parseJobRequest(event, { now: NOW, ourPubkey: providerPk, secretKey: providerSk });
    expect(parsed).toMatchObject({ ok: true, job: { prompt: "old school", encryption: "nip04" } });
  });
});
