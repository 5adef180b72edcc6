import * as nip04 from "nostr-tools/nip04";
import { describe, expect, it } from "vitest";
import { ConversationKeyCache } from "../src/nip44.js";
import { buildEncryptedJobRequest } from "../src/nip90-request.js";
import { type ParsedJobRequest, parseJobRequest } from "../src/nip90-request-parse.js";
import { buyerSk, NOW, otherPk, providerPk, providerSk, sign, signed, withTags } from "./fixtures.js";

const opts = { now: NOW, ourPubkey: providerPk };
/** A kind-5050 request from the buyer with these (possibly malformed) tags. */
const request = (tags: unknown[]) => signed({ kind: 5050, tags });

function expectJob(parsed: ParsedJobRequest) {
  if (!parsed.ok) throw new Error(`expected a job, got ${parsed.code}: ${parsed.reason}`);
  return parsed.job;
}

function expectFailure(parsed: ParsedJobRequest, code: string, reason?: RegExp) {
  expect(parsed.ok).toBe(false);
  if (parsed.ok) return;
  expect(parsed.code).toBe(code);
  if (reason) expect(parsed.reason).toMatch(reason);
}

describe("parseJobRequest: foreign traffic", () => {
  it("reads a plain open request with defaults", () => {
    const event = request([["i", "What is Nostr?", "text"]]);
    const job = expectJob(parseJobRequest(event, opts));
    expect(job).toMatchObject({
      prompt: "What is Nostr?",
      output: "text/plain",
      providers: [],
      relays: [],
      params: {},
    });
    expect(job.bidMsats).toBeUndefined();
    expect(job.systemPrompt).toBeUndefined();
  });

  it("reads params in foreign spellings and numbers as strings", () => {
    const event = request([
      ["i", "Explain zaps", "text"],
      ["param", "model", " LLaMA-2 "],
      ["param", "max-tokens", "512"],
      ["param", "Temperature", " 0.5 "],
      ["param", "top-k", "50"],
      ["param", "top-p", ".7"],
      ["param", "frequency_penalty", "1"],
      ["param", "maxTokens", "9"],
      ["param", "lang", "es"],
    ]);
    const job = expectJob(parseJobRequest(event, opts));
    expect(job.params).toEqual({
      model: "LLaMA-2",
      maxTokens: 512,
      temperature: 0.5,
      topK: 50,
      topP: 0.7,
      frequencyPenalty: 1,
    });
    expect(job.extraParams).toEqual({ lang: "es" });
    expect(job.warnings).toEqual(['duplicate param "maxTokens" ignored']);
  });

  it("takes JSON numbers inside tags as strings", () => {
    const event = withTags(request([]), [
      ["i", "hi", "text"],
      ["param", "max_tokens", 256],
      ["bid", 1000],
    ]);
    const job = expectJob(parseJobRequest(event, opts));
    expect(job.params.maxTokens).toBe(256);
    expect(job.bidMsats).toBe(1000);
    expect(job.warnings.some((w) => w.includes("numbers read as strings"))).toBe(true);
  });

  it("finds the prompt in a prompt param, then in content", () => {
    const inParam = request([["param", "prompt", "Tell me a joke"]]);
    expect(expectJob(parseJobRequest(inParam, opts)).prompt).toBe("Tell me a joke");
    const inContent = signed({ kind: 5050, tags: [["param", "model", "x"]], content: "Write a haiku" });
    const job = expectJob(parseJobRequest(inContent, opts));
    expect(job.prompt).toBe("Write a haiku");
    expect(job.warnings).toContain("prompt read from content");
  });

  it("joins several text inputs and separates the system prompt", () => {
    const event = request([
      ["i", "First part.", "text"],
      ["i", "You are terse.", "text", "", "system"],
      ["i", "Second part.", "text"],
      ["param", "prompt", "ignored"],
    ]);
    const job = expectJob(parseJobRequest(event, opts));
    expect(job.prompt).toBe("First part.\n\nSecond part.");
    expect(job.systemPrompt).toBe("You are terse.");
    expect(job.inputs).toHaveLength(3);
    expect(job.warnings).toContain("param prompt ignored: the request has text inputs");
  });

  it("refuses inputs it would have to fetch, but keeps them next to text", () => {
    const urlOnly = request([["i", "https://example.com/doc.txt", "url"]]);
    expectFailure(parseJobRequest(urlOnly, opts), "unsupported", /url inputs are not fetched/);
    const mixed = request([
      ["i", "Summarise", "text"],
      ["i", "https://example.com/doc.txt", "url"],
    ]);
    const job = expectJob(parseJobRequest(mixed, opts));
    expect(job.inputs.map((input) => input.type)).toEqual(["text", "url"]);
    expect(job.warnings).toContain("1 non-text input(s) not fetched");
  });

  it("reads untyped inputs as text and skips unknown types", () => {
    const event = request([
      ["i", "untyped prompt"],
      ["i", "blob", "audio"],
      ["i", "not-an-id", "event"],
    ]);
    const job = expectJob(parseJobRequest(event, opts));
    expect(job.prompt).toBe("untyped prompt");
    expect(job.inputs).toEqual([{ data: "untyped prompt", type: "text" }]);
    expect(job.warnings).toEqual([
      "input without a type read as text",
      'input of unknown type "audio" ignored',
      "event input that is not an event id ignored",
    ]);
  });

  it("ignores requests p-tagged only to other providers unless told otherwise", () => {
    const event = request([
      ["i", "hi", "text"],
      ["p", otherPk],
    ]);
    expectFailure(parseJobRequest(event, opts), "not-for-us");
    expect(expectJob(parseJobRequest(event, { ...opts, acceptTaggedToOthers: true })).providers).toEqual([
      otherPk,
    ]);
    expect(parseJobRequest(event, { now: NOW }).ok).toBe(true);
    const shared = request([
      ["i", "hi", "text"],
      ["p", otherPk],
      ["p", providerPk.toUpperCase()],
    ]);
    expect(expectJob(parseJobRequest(shared, opts)).providers).toEqual([otherPk, providerPk]);
  });

  it("honours expiration, the legacy exp tag, a maximum age and clock skew", () => {
    const expired = request([
      ["i", "hi", "text"],
      ["expiration", String(NOW - 1)],
    ]);
    expectFailure(parseJobRequest(expired, opts), "expired");
    expect(parseJobRequest(expired, { ...opts, now: NOW - 2 }).ok).toBe(true);
    const legacy = request([
      ["i", "hi", "text"],
      ["exp", String(NOW)],
    ]);
    expectFailure(parseJobRequest(legacy, opts), "expired");
    const old = signed({ kind: 5050, created_at: NOW - 3600, tags: [["i", "hi", "text"]] });
    expectFailure(parseJobRequest(old, { ...opts, maxAgeSec: 600 }), "expired", /older than 600/);
    expect(parseJobRequest(old, opts).ok).toBe(true);
    const future = signed({ kind: 5050, created_at: NOW + 3600, tags: [["i", "hi", "text"]] });
    expectFailure(parseJobRequest(future, opts), "invalid", /future/);
    const unreadable = request([
      ["i", "hi", "text"],
      ["expiration", "tomorrow"],
    ]);
    expect(expectJob(parseJobRequest(unreadable, opts)).warnings).toContain("unreadable expiration ignored");
  });

  it("explains a request with nothing in it", () => {
    expectFailure(parseJobRequest(request([]), opts), "invalid", /no prompt/);
    expectFailure(parseJobRequest(request([["i", "   ", "text"]]), opts), "invalid", /no prompt/);
  });

  it("drops wrong-typed tags and keeps the good ones", () => {
    const event = withTags(request([]), [
      "i",
      null,
      {},
      [],
      [1, "x"],
      ["i", null],
      ["param", "model", { name: "x" }],
      ["i", "still works", "text"],
    ]);
    const job = expectJob(parseJobRequest(event, opts));
    expect(job.prompt).toBe("still works");
    expect(job.params).toEqual({});
    expect(job.warnings).toHaveLength(7);
  });

  it("rejects events that are not events", () => {
    const good = request([["i", "hi", "text"]]);
    const broken: unknown[] = [
      null,
      42,
      "event",
      [],
      { ...good, tags: "i" },
      { ...good, id: undefined },
      { ...good, pubkey: "npub1xyz" },
      { ...good, kind: "5050" },
      { ...good, created_at: -1 },
      { ...good, content: null },
    ];
    for (const raw of broken) expectFailure(parseJobRequest(raw, opts), "invalid", /malformed event/);
  });

  it("refuses oversized events before reading them", () => {
    const huge = request([["i", "x".repeat(2_000_000), "text"]]);
    expectFailure(parseJobRequest(huge, opts), "too-large");
    const bigContent = signed({ kind: 5050, tags: [], content: "y".repeat(50_000) });
    expectFailure(parseJobRequest(bigContent, { ...opts, maxEventChars: 10_000 }), "too-large");
    expect(expectJob(parseJobRequest(bigContent, opts)).prompt).toHaveLength(50_000);
  });

  it.each([
    ["temperature", "5"],
    ["temperature", "hot"],
    ["top_p", "1.5"],
    ["top-k", "-1"],
    ["max_tokens", "0"],
    ["max_tokens", "12.5"],
    ["seed", "-3"],
    ["frequency_penalty", "2.5"],
    ["model", "   "],
  ])("refuses param %s = %j with a reason naming it", (key, value) => {
    const event = request([
      ["i", "hi", "text"],
      ["param", key, value],
    ]);
    expectFailure(parseJobRequest(event, opts), "invalid", new RegExp(`param ${key}`));
  });

  it("caps max_tokens, stop sequences and relays", () => {
    const event = request([
      ["i", "hi", "text"],
      ["param", "max_new_tokens", "100000"],
      ["param", "stop", "a", "b"],
      ...Array.from({ length: 20 }, (_, n) => ["param", "stop", `s${n}`]),
      ["relays", "wss://a.example", "https://no.example", "wss://a.example", "wss://b.example"],
    ]);
    const job = expectJob(parseJobRequest(event, { ...opts, maxTokensCap: 2048 }));
    expect(job.params.maxTokens).toBe(2048);
    expect(job.params.stop).toHaveLength(16);
    expect(job.params.stop?.slice(0, 3)).toEqual(["a", "b", "s0"]);
    expect(job.relays).toEqual(["wss://a.example", "wss://b.example"]);
    expect(job.warnings).toContain("max_tokens 100000 lowered to 2048");
  });

  it("refuses other kinds, non-text outputs and garbage bids", () => {
    const translation = signed({ kind: 5002, tags: [["i", "hola", "text"]] });
    expectFailure(parseJobRequest(translation, opts), "unsupported", /kind 5002/);
    expect(parseJobRequest(translation, { ...opts, kinds: [5002, 5050] }).ok).toBe(true);
    const image = request([
      ["i", "a cat", "text"],
      ["output", "image/png"],
    ]);
    expectFailure(parseJobRequest(image, opts), "unsupported", /image\/png/);
    const markdown = request([
      ["i", "a cat", "text"],
      ["output", "Text/Markdown"],
    ]);
    expect(expectJob(parseJobRequest(markdown, opts)).output).toBe("text/markdown");
    const bid = request([
      ["i", "hi", "text"],
      ["bid", "lots"],
    ]);
    expectFailure(parseJobRequest(bid, opts), "invalid", /bid/);
    const fraction = request([
      ["i", "hi", "text"],
      ["bid", "10.5"],
    ]);
    expectFailure(parseJobRequest(fraction, opts), "invalid", /bid/);
  });

  it("warns about a cashu token in public tags", () => {
    const event = request([
      ["i", "hi", "text"],
      ["param", "cashu", "cashuBpublic"],
    ]);
    const job = expectJob(parseJobRequest(event, opts));
    expect(job.cashuToken).toBe("cashuBpublic");
    expect(job.warnings).toContain("cashu token sent in public tags");
  });
});

describe("parseJobRequest: encrypted requests", () => {
  const nip44Request = () =>
    sign(
      buildEncryptedJobRequest(
        { now: NOW, prompt: "private", params: { maxTokens: 8 }, bidMsats: 100, provider: providerPk },
        buyerSk,
      ),
      buyerSk,
    );

  it("decrypts NIP-44 params addressed to us", () => {
    const job = expectJob(parseJobRequest(nip44Request(), { ...opts, secretKey: providerSk }));
    expect(job).toMatchObject({
      prompt: "private",
      params: { maxTokens: 8 },
      bidMsats: 100,
      encryption: "nip44",
    });
  });

  it("decrypts NIP-04 params as old clients send them", () => {
    const secret = [
      ["i", "what is the capital of France? ", "text"],
      ["param", "model", "LLaMA-2"],
      ["param", "top-k", "50"],
      ["p", otherPk],
    ];
    const event = signed({
      kind: 5050,
      tags: [["p", providerPk], ["encrypted"]],
      content: nip04.encrypt(buyerSk, providerPk, JSON.stringify(secret)),
    });
    const job = expectJob(
      parseJobRequest(event, { now: NOW, secretKey: new ConversationKeyCache(providerSk) }),
    );
    expect(job).toMatchObject({ prompt: "what is the capital of France? ", encryption: "nip04" });
    expect(job.params).toEqual({ model: "LLaMA-2", topK: 50 });
    expect(job.providers).toEqual([providerPk]);
    expect(job.warnings).toContain("encrypted tags other than i/param/output/bid/relays ignored");
  });

  it("says why it cannot read one", () => {
    expectFailure(parseJobRequest(nip44Request(), opts), "undecryptable", /no key/);
    const toOther = sign(
      buildEncryptedJobRequest({ now: NOW, prompt: "x", provider: otherPk }, buyerSk),
      buyerSk,
    );
    expectFailure(parseJobRequest(toOther, { ...opts, secretKey: providerSk }), "not-for-us");
    expectFailure(
      parseJobRequest(toOther, { now: NOW, secretKey: providerSk, acceptTaggedToOthers: true }),
      "not-for-us",
    );
    const noP = signed({ kind: 5050, tags: [["encrypted"]], content: "abc" });
    expectFailure(parseJobRequest(noP, { ...opts, secretKey: providerSk }), "invalid", /no provider/);
    const garbage = signed({
      kind: 5050,
      tags: [["p", providerPk], ["encrypted"]],
      content: "%%%garbage%%%",
    });
    expectFailure(parseJobRequest(garbage, { ...opts, secretKey: providerSk }), "undecryptable");
  });
});
