import { describe, expect, it } from "vitest";
import { encodeContext } from "../src/sandbox/context-encoding.js";
import { ProtocolError, parseChildMessage, parseSubcallPayload } from "../src/sandbox/protocol.js";
import { answerSubcall, normaliseResults } from "../src/sandbox/subcalls.js";

describe("context encoding", () => {
  it("sends strings as raw UTF-8 and lists or objects as JSON", () => {
    expect(encodeContext("héllo")).toEqual({ encoding: "text", bytes: Buffer.from("héllo", "utf8") });
    const list = encodeContext(["a", "b"]);
    expect(list.encoding).toBe("json");
    expect(JSON.parse(list.bytes.toString())).toEqual(["a", "b"]);
    expect(JSON.parse(encodeContext({ k: [1, null] }).bytes.toString())).toEqual({ k: [1, null] });
  });

  it("rejects values Python could not receive, with a reason", () => {
    expect(() => encodeContext(["a", 3 as unknown as string])).toThrow(/item 1 is a number/);
    expect(() => encodeContext(42 as unknown as string)).toThrow(TypeError);
    expect(() => encodeContext(new Date() as unknown as Record<string, unknown>)).toThrow(/plain object/);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => encodeContext(cyclic)).toThrow(/JSON/);
    expect(() => encodeContext({ n: 1n } as unknown as Record<string, unknown>)).toThrow(/JSON/);
  });
});

describe("child message validation", () => {
  const empty = Buffer.alloc(0);

  it("accepts well-formed messages", () => {
    expect(parseChildMessage({ t: "subcall", id: 3, kind: "rlm" }, empty)).toEqual({
      t: "subcall",
      id: 3,
      kind: "rlm",
    });
    const body = Buffer.from(JSON.stringify({ stdout: "a", stderr: "", variables: ["x"] }));
    const result = parseChildMessage({ t: "result", id: 1, rawStdout: "b", rawStderr: "" }, body);
    expect(result).toEqual({ t: "result", id: 1, body: { stdout: "ab", stderr: "", variables: ["x"] } });
  });

  it("rejects forged or malformed messages", () => {
    expect(() => parseChildMessage({ t: "subcall", id: 1, kind: "shell" }, empty)).toThrow(ProtocolError);
    expect(() => parseChildMessage({ t: "spawn", cmd: "ls" }, empty)).toThrow(ProtocolError);
    expect(() => parseChildMessage({ t: "result", id: -1, rawStdout: "", rawStderr: "" }, empty)).toThrow();
    const badFinal = Buffer.from(
      JSON.stringify({ stdout: "", stderr: "", variables: [], final: { content: 1 } }),
    );
    expect(() => parseChildMessage({ t: "result", id: 1, rawStdout: "", rawStderr: "" }, badFinal)).toThrow(
      /final/,
    );
    expect(() => parseSubcallPayload(Buffer.from('{"prompts":[1],"opts":{}}'))).toThrow(ProtocolError);
    expect(() => parseSubcallPayload(Buffer.from("nope"))).toThrow(ProtocolError);
  });

  it("turns any handler output into one string per item", () => {
    expect(normaliseResults(["a", 2, null], 4)).toEqual([
      "a",
      "Error: the sub-call handler returned no text for this item",
      "Error: the sub-call handler returned no text for this item",
      "Error: the sub-call handler returned no text for this item",
    ]);
    expect(normaliseResults("oops", 2)).toHaveLength(2);
    expect(normaliseResults(["a", "b", "c"], 2)).toEqual(["a", "b"]);
  });
});

describe("answering a sub-call request", () => {
  const request = (prompts: unknown[]) => Buffer.from(JSON.stringify({ prompts, opts: { model: "m" } }));
  const reply = async (...args: Parameters<typeof answerSubcall>) =>
    JSON.parse((await answerSubcall(...args)).reply.toString()) as string[];
  const live = new AbortController().signal;

  it("passes kind, prompts and options to the handler", async () => {
    const seen: unknown[] = [];
    const record = async (r: unknown) => {
      seen.push(r);
      return ["1", "2"];
    };
    const out = await reply("rlm", request(["a", "b"]), record, 10, live);
    expect(out).toEqual(["1", "2"]);
    expect(seen).toEqual([{ kind: "rlm", prompts: ["a", "b"], opts: { model: "m" } }]);
  });

  it("answers every item with an error when there is no handler, the batch is too big, or the handler fails", async () => {
    expect(await reply("llm", request(["a", "b"]), undefined, 10, live)).toEqual([
      "Error: sub-calls are not available in this sandbox",
      "Error: sub-calls are not available in this sandbox",
    ]);
    expect(await reply("llm", request(["a", "b", "c"]), async () => ["x"], 2, live)).toEqual(
      new Array(3).fill("Error: a batch of 3 prompts exceeds the limit of 2"),
    );
    const throwsNow = () => {
      throw new Error("Error: quota exhausted");
    };
    expect(await reply("llm", request(["a"]), throwsNow, 10, live)).toEqual(["Error: quota exhausted"]);
  });

  it("stops waiting for a handler that never settles once the cell is stopped", async () => {
    const stop = new AbortController();
    const pending = reply(
      "llm",
      request(["a"]),
      () => new Promise<string[]>(() => undefined),
      10,
      stop.signal,
    );
    stop.abort();
    expect(await pending).toEqual(["Error: the cell was stopped"]);
  });

  it("answers a forged, malformed request with an empty list", async () => {
    let called = false;
    const handler = async () => {
      called = true;
      return [];
    };
    expect(await reply("llm", Buffer.from('{"prompts":[1]}'), handler, 10, live)).toEqual([]);
    expect(called).toBe(false);
  });
});
