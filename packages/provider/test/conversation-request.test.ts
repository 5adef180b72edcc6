/** A conversation request (docs/protocol.md "Conversations") as the backend runs it: its turns, in order. */
import { buildJobRequest, parseJobRequest } from "@pylon/protocol";
import { finalizeEvent, generateSecretKey } from "nostr-tools/pure";
import { describe, expect, it } from "vitest";
import { toGenerateRequest } from "../src/jobs/generate-request.js";

function parsed(tags: string[][] | undefined, spec?: Parameters<typeof buildJobRequest>[0]) {
  const now = Math.floor(Date.now() / 1000);
  const template = spec
    ? buildJobRequest(spec)
    : { kind: 5050, created_at: now, tags: tags ?? [], content: "" };
  const read = parseJobRequest(finalizeEvent(template, generateSecretKey()), { now });
  if (!read.ok) throw new Error(read.reason);
  return read.job;
}

describe("toGenerateRequest for conversations", () => {
  it("runs the turns as chat messages, the system prompt first", () => {
    const job = parsed(undefined, {
      now: Math.floor(Date.now() / 1000),
      systemPrompt: "Be brief.",
      messages: [
        { role: "user", content: "Hi" },
        { role: "assistant", content: "Hello!" },
        { role: "user", content: "Bye" },
      ],
      params: { maxTokens: 50 },
    });
    expect(toGenerateRequest(job, 100).messages).toEqual([
      { role: "system", content: "Be brief." },
      { role: "user", content: "Hi" },
      { role: "assistant", content: "Hello!" },
      { role: "user", content: "Bye" },
    ]);
  });

  it("reads unmarked text beside marked turns as the user's, leaves out an empty system prompt", () => {
    const job = parsed([
      ["i", " ", "text", "", "system"],
      ["i", "question", "text"],
      ["i", "answer", "text", "", "assistant"],
      ["i", "again", "text", "", "user"],
    ]);
    expect(toGenerateRequest(job, 100).messages).toEqual([
      { role: "user", content: "question" },
      { role: "assistant", content: "answer" },
      { role: "user", content: "again" },
    ]);
  });

  it("runs a plain request as before: system prompt and one user message", () => {
    const job = parsed([
      ["i", "sys", "text", "", "system"],
      ["i", "one", "text"],
      ["i", "two", "text"],
    ]);
    expect(toGenerateRequest(job, 100).messages).toEqual([
      { role: "system", content: "sys" },
      { role: "user", content: "one\n\ntwo" },
    ]);
  });
});
