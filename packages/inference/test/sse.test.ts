import { describe, expect, it } from "vitest";
import { BackendError } from "../src/errors.js";
import { readSseData } from "../src/openai/sse.js";

function streamOf(parts: Array<string | Uint8Array>): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const part of parts) controller.enqueue(typeof part === "string" ? encoder.encode(part) : part);
      controller.close();
    },
  });
}

async function collect(parts: Array<string | Uint8Array>): Promise<string[]> {
  const events: string[] = [];
  for await (const data of readSseData(streamOf(parts))) events.push(data);
  return events;
}

describe("readSseData", () => {
  it("reassembles events split at arbitrary byte positions, CRLF included", async () => {
    const raw = 'data: {"a":1}\r\n\r\n: keep-alive comment\n\ndata:{"b":"é"}\n\nevent: x\ndata: [DONE]\n\n';
    const bytes = new TextEncoder().encode(raw);
    const expected = ['{"a":1}', '{"b":"é"}', "[DONE]"];
    for (const size of [1, 2, 3, 7]) {
      // Some cuts fall inside the two-byte "é": the decoder must carry partial characters over.
      const parts: Uint8Array[] = [];
      for (let i = 0; i < bytes.length; i += size) parts.push(bytes.subarray(i, i + size));
      expect(await collect(parts)).toEqual(expected);
    }
  });

  it("joins multi-line data and flushes a last event without a blank line", async () => {
    expect(await collect(["data: one\ndata: two\n\ndata: tail"])).toEqual(["one\ntwo", "tail"]);
  });

  it("refuses an unbounded line", async () => {
    const huge = "x".repeat((1 << 20) + 10);
    await expect(collect([`data: ${huge}`])).rejects.toBeInstanceOf(BackendError);
  });
});
