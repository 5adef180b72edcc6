/** Conversations on the wire (docs/protocol.md "Conversations"): role-marked text inputs, built and read. */
import { describe, expect, it } from "vitest";
import { ConversationKeyCache } from "../src/nip44.js";
import { buildEncryptedJobRequest, buildJobRequest } from "../src/nip90-request.js";
import { type ParsedJobRequest, parseJobRequest } from "../src/nip90-request-parse.js";
import { buyerSk, NOW, providerPk, providerSk, sign, signed } from "./fixtures.js";

const opts = { now: NOW, ourPubkey: providerPk };
const turns = [
  { role: "user" as const, content: "What is 2+2?" },
  { role: "assistant" as const, content: "4." },
  { role: "user" as const, content: "And times 3?" },
];

function expectJob(parsed: ParsedJobRequest) {
  if (!parsed.ok) throw new Error(`expected a job, got ${parsed.code}: ${parsed.reason}`);
  return parsed.job;
}

describe("conversations: builder and parser", () => {
  it("writes each turn as a marked text input in order, the system prompt first, and reads them back", () => {
    const template = buildJobRequest({ now: NOW, systemPrompt: "Be brief.", messages: turns });
    expect(template.tags.filter((tag) => tag[0] === "i")).toEqual([
      ["i", "Be brief.", "text", "", "system"],
      ["i", "What is 2+2?", "text", "", "user"],
      ["i", "4.", "text", "", "assistant"],
      ["i", "And times 3?", "text", "", "user"],
    ]);
    const job = expectJob(parseJobRequest(sign(template, buyerSk), opts));
    expect(job.messages).toEqual([{ role: "system", content: "Be brief." }, ...turns]);
    expect(job.systemPrompt).toBe("Be brief.");
    // Code that reads only `prompt` (pricing, foreign-minded providers) sees the turns joined.
    expect(job.prompt).toBe("What is 2+2?\n\n4.\n\nAnd times 3?");
  });

  it("round-trips through an encrypted request: the turns travel only inside the encrypted content", () => {
    const template = buildEncryptedJobRequest(
      { now: NOW, provider: providerPk, messages: turns },
      new ConversationKeyCache(buyerSk),
    );
    expect(JSON.stringify(template.tags)).not.toContain("times 3");
    const job = expectJob(parseJobRequest(sign(template, buyerSk), { now: NOW, secretKey: providerSk }));
    expect(job.encryption).toBe("nip44");
    expect(job.messages).toEqual(turns);
  });

  it("reads unmarked text beside marked turns as user turns, in tag order", () => {
    const event = signed({
      kind: 5050,
      tags: [
        ["i", "first question", "text"],
        ["i", "first answer", "text", "", "assistant"],
        ["i", "follow-up", "text", "", "user"],
      ],
    });
    const job = expectJob(parseJobRequest(event, opts));
    expect(job.messages).toEqual([
      { role: "user", content: "first question" },
      { role: "assistant", content: "first answer" },
      { role: "user", content: "follow-up" },
    ]);
  });

  it("leaves a plain single-prompt request as it was: no messages", () => {
    const job = expectJob(
      parseJobRequest(sign(buildJobRequest({ now: NOW, prompt: "hi", systemPrompt: "s" }), buyerSk), opts),
    );
    expect(job.messages).toBeUndefined();
    expect(job.prompt).toBe("hi");
    expect(job.systemPrompt).toBe("s");
  });

  it("refuses a prompt beside messages, a conversation without a user turn, and an unknown role", () => {
    expect(() => buildJobRequest({ now: NOW, prompt: "p", messages: turns })).toThrow(/prompt or messages/);
    expect(() =>
      buildJobRequest({ now: NOW, messages: [{ role: "assistant", content: "only me" }] }),
    ).toThrow(/user message/);
    expect(() =>
      buildJobRequest({ now: NOW, messages: [{ role: "tool" as never, content: "x" }, turns[0]!] }),
    ).toThrow(/role must be/);
  });
});
