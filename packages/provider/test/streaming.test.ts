/**
 * Streaming as NIP-90 `partial` feedback (docs/protocol.md "Streaming"), on a real relay with a provider on a
 * SCRIPTED model that takes 10 ms per 4-character token: pieces come in order and make the answer; encrypted
 * requests get encrypted pieces; a buyer that does not ask, a node that does not stream and an unpaid job get
 * none.
 */
import type { JobOutcome } from "@pylon/nostr";
import { parseAnnouncement, readStreamSeq } from "@pylon/protocol";
import { describe, expect, it } from "vitest";
import { buyerClient, collect, startNode, suite, tag } from "./helpers/harness.js";

const shared = suite();
/** 200 scripted tokens of 4 characters: "w000 w001 …". */
const ANSWER = Array.from({ length: 200 }, (_, i) => `w${String(i).padStart(3, "0")}`).join("");
const scripted = { type: "scripted" as const, reply: ANSWER, tokenLatencyMs: 10 };

interface Streamed {
  outcome: JobOutcome;
  pieces: string[];
  firstPieceMs: number | undefined;
  totalMs: number;
}

async function ask(options: { stream: boolean; encrypt?: boolean; provider: string }): Promise<Streamed> {
  const buyer = buyerClient(shared.cleanup, shared.relayUrl);
  const pieces: string[] = [];
  const started = performance.now();
  let firstPieceMs: number | undefined;
  const outcome = await buyer.client.submit(
    {
      prompt: "say it",
      params: { maxTokens: 256 },
      provider: options.provider,
      ...(options.stream ? { stream: true } : {}),
      ...(options.encrypt ? { encryption: "nip44" as const } : {}),
    },
    {
      onPartial: (text) => {
        firstPieceMs ??= performance.now() - started;
        pieces.push(text);
      },
    },
  );
  return { outcome, pieces, firstPieceMs, totalMs: performance.now() - started };
}

describe("streaming partials from a provider (scripted model, 10 ms/token)", () => {
  it("sends pieces in seq order that make a prefix of the result, the first long before it; announced", async () => {
    const node = await startNode(shared.cleanup, { relays: [shared.relayUrl], model: scripted });
    const watcher = buyerClient(shared.cleanup, shared.relayUrl);
    const announcements = await collect(watcher.pool, { kinds: [31990], authors: [node.pubkey] }, 300);
    const announced = parseAnnouncement(announcements.at(-1));
    expect(announced.ok && announced.announcement.streaming).toBe(true);

    const run = await ask({ stream: true, provider: node.pubkey });
    expect(run.outcome.output).toBe(ANSWER);
    expect(run.pieces.length).toBeGreaterThan(3);
    const streamed = run.pieces.join("");
    expect(ANSWER.startsWith(streamed)).toBe(true);
    expect(streamed.length).toBeGreaterThan(ANSWER.length / 2);
    // Coalesced: 200 tokens at 10 ms in pieces at most every 100 ms, not one event per token.
    expect(run.pieces.length).toBeLessThan(60);
    expect(run.firstPieceMs).toBeLessThan(run.totalMs / 2);
    console.log(
      `streaming, 200 tokens at 10 ms/token: first piece after ${run.firstPieceMs?.toFixed(0)} ms, ` +
        `whole answer after ${run.totalMs.toFixed(0)} ms, ${run.pieces.length} pieces`,
    );

    const stored = await collect(watcher.pool, { kinds: [7000], "#e": [run.outcome.jobId] }, 300);
    const seqs = stored.filter((e) => tag(e, "status")?.[1] === "partial").map((e) => readStreamSeq(e));
    expect(seqs.sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual(seqs.map((_, i) => i));
  });

  it("encrypts the pieces of an encrypted request to the buyer", async () => {
    const node = await startNode(shared.cleanup, { relays: [shared.relayUrl], model: scripted });
    const run = await ask({ stream: true, encrypt: true, provider: node.pubkey });
    expect(run.outcome.output).toBe(ANSWER);
    expect(run.pieces.length).toBeGreaterThan(1);
    expect(ANSWER.startsWith(run.pieces.join(""))).toBe(true);
    const watcher = buyerClient(shared.cleanup, shared.relayUrl);
    const stored = await collect(watcher.pool, { kinds: [7000], "#e": [run.outcome.jobId] }, 300);
    const partials = stored.filter((e) => tag(e, "status")?.[1] === "partial");
    expect(partials.length).toBe(run.pieces.length);
    for (const event of partials) {
      expect(tag(event, "encrypted")).toBeDefined();
      expect(ANSWER.includes(event.content)).toBe(false); // not the plain text
    }
  });

  it("sends no pieces to a buyer that does not ask, nor from a node with streaming off", async () => {
    const node = await startNode(shared.cleanup, { relays: [shared.relayUrl], model: scripted });
    const quiet = await ask({ stream: false, provider: node.pubkey });
    expect(quiet.outcome.output).toBe(ANSWER);
    expect(quiet.pieces).toEqual([]);

    const off = await startNode(shared.cleanup, {
      relays: [shared.relayUrl],
      model: scripted,
      streaming: { enabled: false },
    });
    const watcher = buyerClient(shared.cleanup, shared.relayUrl);
    const announcements = await collect(watcher.pool, { kinds: [31990], authors: [off.pubkey] }, 300);
    const announced = parseAnnouncement(announcements.at(-1));
    expect(announced.ok && announced.announcement.streaming).toBeUndefined();
    const asked = await ask({ stream: true, provider: off.pubkey });
    expect(asked.outcome.output).toBe(ANSWER);
    expect(asked.pieces).toEqual([]);
    for (const run of [quiet, asked]) {
      const stored = await collect(watcher.pool, { kinds: [7000], "#e": [run.outcome.jobId] }, 200);
      expect(stored.filter((e) => tag(e, "status")?.[1] === "partial")).toEqual([]);
    }
  });

  it("sends no text before payment: an unpaid job gets payment-required and no pieces", async () => {
    const node = await startNode(shared.cleanup, { relays: [shared.relayUrl], model: scripted, free: false });
    const buyer = buyerClient(shared.cleanup, shared.relayUrl);
    const pieces: string[] = [];
    const failed = await buyer.client
      .submit(
        { prompt: "say it", stream: true, provider: node.pubkey },
        { onPartial: (text) => pieces.push(text), timeoutMs: 5_000 },
      )
      .then(
        () => undefined,
        (error: { code?: string }) => error.code,
      );
    expect(failed).toBe("payment-required");
    expect(pieces).toEqual([]);
  });
});
