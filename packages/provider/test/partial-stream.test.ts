/** How a job's tokens are coalesced into stream pieces (replies/partial-stream.ts). */
import { describe, expect, it } from "vitest";
import { PartialStream } from "../src/replies/partial-stream.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function feed(stream: PartialStream, tokens: number, everyMs: number): Promise<string> {
  let pushed = "";
  for (let i = 0; i < tokens; i++) {
    const token = `t${i} `;
    pushed += token;
    stream.push(token);
    await sleep(everyMs);
  }
  return pushed;
}

describe("PartialStream", () => {
  it("sends the first token at once, then at most one piece per interval, in seq order, as a prefix", async () => {
    const sent: Array<{ seq: number; text: string; at: number }> = [];
    const started = Date.now();
    const stream = new PartialStream(
      async (seq, text) => {
        sent.push({ seq, text, at: Date.now() - started });
      },
      { intervalMs: 50, maxPieces: 100 },
    );
    const pushed = await feed(stream, 40, 5);
    await sleep(200); // the last piece's interval, with room for a busy machine
    stream.finish();
    expect(sent[0]?.text).toBe("t0 ");
    expect(sent.map((piece) => piece.seq)).toEqual(sent.map((_, i) => i));
    expect(sent.length).toBeLessThan(40 / 2);
    for (let i = 1; i < sent.length; i++) expect(sent[i]!.at - sent[i - 1]!.at).toBeGreaterThanOrEqual(45);
    expect(sent.map((piece) => piece.text).join("")).toBe(pushed);
  });

  it("waits for the previous piece to be published, stops at maxPieces, and sends nothing after finish", async () => {
    const sent: string[] = [];
    let release: () => void = () => undefined;
    const stream = new PartialStream(
      (_seq, text) => {
        sent.push(text);
        return new Promise<void>((resolve) => {
          release = resolve;
        });
      },
      { intervalMs: 10, maxPieces: 2 },
    );
    stream.push("a");
    await sleep(5);
    stream.push("b");
    stream.push("c");
    await sleep(40);
    expect(sent).toEqual(["a"]); // the first is still being published
    release();
    await sleep(30);
    expect(sent).toEqual(["a", "bc"]);
    release();
    stream.push("d");
    await sleep(30);
    expect(sent).toEqual(["a", "bc"]); // maxPieces reached: the result carries the rest
    expect(stream.pieces).toBe(2);

    const after: string[] = [];
    const finished = new PartialStream(async (_seq, text) => void after.push(text), {
      intervalMs: 10,
      maxPieces: 10,
    });
    finished.finish();
    finished.push("late");
    await sleep(20);
    expect(after).toEqual([]);
  });
});
