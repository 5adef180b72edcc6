import { describe, expect, it } from "vitest";
import { BackendError } from "../src/errors.js";
import { DEFAULT_MAX_TOKENS, normaliseRequest } from "../src/request.js";

function badRequestMessage(input: unknown): string {
  try {
    normaliseRequest(input);
  } catch (error) {
    if (error instanceof BackendError && error.code === "bad-request") return error.message;
    throw error;
  }
  throw new Error("expected a bad-request error");
}

describe("normaliseRequest", () => {
  it("applies defaults and keeps what was set", () => {
    const request = normaliseRequest({ prompt: "hi", temperature: 0, seed: 9, stop: ["\n"] });
    expect(request).toMatchObject({
      prompt: "hi",
      messages: undefined,
      maxTokens: DEFAULT_MAX_TOKENS,
      temperature: 0,
      seed: 9,
      stop: ["\n"],
      ignoreEos: false,
    });
    expect(request.topK).toBeUndefined();
  });

  it("needs exactly one of prompt and messages", () => {
    expect(badRequestMessage({})).toMatch(/exactly one/);
    expect(badRequestMessage({ prompt: "a", messages: [{ role: "user", content: "b" }] })).toMatch(
      /exactly one/,
    );
    expect(badRequestMessage(null)).toMatch(/object/);
  });

  it("names the offending field", () => {
    expect(badRequestMessage({ prompt: "" })).toMatch(/prompt/);
    expect(badRequestMessage({ messages: [] })).toMatch(/messages/);
    expect(badRequestMessage({ messages: [{ role: "tool", content: "x" }] })).toMatch(/messages\[0\]\.role/);
    expect(badRequestMessage({ messages: [{ role: "user", content: 3 }] })).toMatch(/messages\[0\]\.content/);
    expect(badRequestMessage({ prompt: "a", maxTokens: 0 })).toMatch(/maxTokens/);
    expect(badRequestMessage({ prompt: "a", maxTokens: 1.5 })).toMatch(/maxTokens/);
    expect(badRequestMessage({ prompt: "a", temperature: -1 })).toMatch(/temperature/);
    expect(badRequestMessage({ prompt: "a", temperature: Number.NaN })).toMatch(/temperature/);
    expect(badRequestMessage({ prompt: "a", topP: 0 })).toMatch(/topP/);
    expect(badRequestMessage({ prompt: "a", seed: -1 })).toMatch(/seed/);
    expect(badRequestMessage({ prompt: "a", stop: "x" })).toMatch(/stop/);
    expect(badRequestMessage({ prompt: "a", stop: [""] })).toMatch(/stop/);
    expect(badRequestMessage({ prompt: "a", ignoreEos: "yes" })).toMatch(/ignoreEos/);
  });
});
