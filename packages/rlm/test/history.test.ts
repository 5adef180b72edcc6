import type { ChatMessage } from "@pylon/inference";
import { describe, expect, it } from "vitest";
import { conversationWindow } from "../src/loop/history.js";

const message = (role: ChatMessage["role"], size: number, tag: string): ChatMessage => ({
  role,
  content: tag + "x".repeat(size - tag.length),
});

describe("conversationWindow", () => {
  const conversation = [
    message("system", 100, "S"),
    message("user", 100, "U0"),
    ...[1, 2, 3, 4].flatMap((n) => [message("assistant", 1000, `A${n}`), message("user", 1000, `U${n}`)]),
  ];

  it("sends everything while it fits", () => {
    expect(conversationWindow(conversation, 10_000)).toEqual(conversation);
  });

  it("keeps the instructions, the opening and the newest whole pairs, and says what was left out", () => {
    const window = conversationWindow(conversation, 4_500);
    expect(window.map((m) => m.content.slice(0, 2))).toEqual(["Sx", "U0", "A3", "U3", "A4", "U4"]);
    expect(window[1]!.content).toContain("[2 earlier replies and their outputs are left out");
    expect(conversation[1]!.content).not.toContain("left out"); // the full history is not modified
  });

  it("always keeps the newest pair, even when it alone is too large", () => {
    const window = conversationWindow(conversation, 1_000);
    expect(window.map((m) => m.role)).toEqual(["system", "user", "assistant", "user"]);
    expect(window[3]!.content.startsWith("U4")).toBe(true);
  });
});
