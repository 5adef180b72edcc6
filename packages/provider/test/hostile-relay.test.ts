/**
 * A node fed directly by a relay that forwards what it should not (oversize, malformed, far-future events,
 * non-JSON messages): each gets the reply docs/protocol.md promises, or silence; the node's log names each
 * cause in one line, with no stack trace; and the node goes on serving the next valid job.
 */
import type { NostrEvent } from "@pylon/protocol";
import { nowSec, sleep, waitFor } from "@pylon/testkit";
import { generateSecretKey } from "nostr-tools/pure";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Logger } from "../src/log.js";
import type { RunningProvider } from "../src/provider.js";
import { handMadeRequest, startNode, suite, tag } from "./helpers/harness.js";
import { type HostileRelay, startHostileRelay } from "./helpers/hostile-relay.js";

const shared = suite();
const { files } = shared;
let relay: HostileRelay;
let node: RunningProvider;
const logLines: string[] = [];
const consoleLines: string[] = [];
const buyerKey = generateSecretKey();

const log: Logger = {
  info: (m) => logLines.push(`info ${m}`),
  warn: (m) => logLines.push(`warn ${m}`),
  error: (m) => logLines.push(`error ${m}`),
};

beforeAll(async () => {
  for (const method of ["log", "warn", "error", "debug", "info"] as const) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      consoleLines.push(args.map((a) => (a instanceof Error ? (a.stack ?? a.message) : String(a))).join(" "));
    });
  }
  relay = await startHostileRelay(files);
  node = await startNode(
    files,
    { relays: [relay.url], model: { type: "scripted", reply: "served after the storm" } },
    // The default burst (10 per peer), with a summary every second rather than every minute.
    { log, refusalLimits: { burst: 10, perMinute: 10, summaryEveryMs: 1_000 } },
  );
});

afterAll(() => {
  vi.restoreAllMocks();
});

function request(tags: string[][], options: { createdAt?: number; content?: string } = {}): NostrEvent {
  return handMadeRequest(buyerKey, [...tags, ["p", node.pubkey]], options);
}

/** Pushes a request and waits for the node's first feedback to it. */
async function replyTo(event: NostrEvent): Promise<{ status: string; extra: string }> {
  expect(relay.push(event)).toBeGreaterThan(0);
  const feedback = await waitFor(
    () => relay.published.find((e) => e.kind === 7000 && tag(e, "e")?.[1] === event.id),
    `feedback to ${event.id.slice(0, 8)}`,
  );
  const status = tag(feedback, "status");
  return { status: status?.[1] ?? "", extra: status?.[2] ?? "" };
}

function repliesTo(id: string): NostrEvent[] {
  return relay.published.filter((e) => tag(e, "e")?.[1] === id);
}

const noStackLines = (lines: string[]): void => {
  for (const line of lines) expect(line).not.toMatch(/\n\s+at /);
};

describe("a relay that forwards what it should not", () => {
  it("a 1.2M-character prompt gets error too-large", async () => {
    const reply = await replyTo(request([["i", "x".repeat(1_200_000), "text"]]));
    expect(reply).toEqual({ status: "error", extra: expect.stringMatching(/^event too large: /) });
  });

  it("100,000 tags get error too-large", async () => {
    const tags = Array.from({ length: 100_000 }, (_, i) => ["t", String(i)]);
    const reply = await replyTo(request([["i", "hi", "text"], ...tags]));
    expect(reply).toEqual({ status: "error", extra: expect.stringMatching(/^event too large: .*tags/) });
  });

  it("5 MB of content get error too-large", async () => {
    const reply = await replyTo(request([["i", "hi", "text"]], { content: "y".repeat(5_000_000) }));
    expect(reply).toEqual({ status: "error", extra: expect.stringMatching(/^event too large: /) });
  });

  it("a far-future created_at gets error invalid", async () => {
    const reply = await replyTo(request([["i", "hi", "text"]], { createdAt: nowSec() + 365 * 86_400 }));
    expect(reply).toEqual({
      status: "error",
      extra: expect.stringMatching(/^created_at is \d+ s in the future/),
    });
  });

  it("malformed events and messages get silence, and one log line each, without a stack", async () => {
    const good = request([["i", "hi", "text"]]);
    const malformed: unknown[] = [
      { ...good, content: "tampered" }, // id no longer matches
      { ...good, sig: "0".repeat(128) }, // bad signature
      { ...good, kind: "5050" }, // wrong type
      { ...good, tags: "p" }, // wrong type (nostr-tools' filter matching throws on it)
      null,
    ];
    for (const event of malformed) relay.push(event, 5050);
    relay.pushRaw("this is not JSON");
    relay.pushRaw('["EVENT"]');
    relay.pushRaw("{}");
    await sleep(1_000);
    expect(repliesTo(good.id)).toEqual([]);
    const dropped = logLines.filter((l) => l.startsWith("warn dropped "));
    const by = `, sent by ${relay.url}/`;
    const from = `${good.id.slice(0, 12)} from ${good.pubkey.slice(0, 12)}`;
    expect(dropped).toEqual([
      `warn dropped an event ${from} whose id or signature does not verify${by}`,
      `warn dropped an event ${from} whose id or signature does not verify${by}`,
      `warn dropped a malformed event ${from}: kind must be an integer between 0 and 65535${by}`,
      `warn dropped a malformed event ${from}: tags must be an array${by}`,
      `warn dropped a malformed event: event must be a JSON object${by}`,
      `warn dropped a message that is not JSON (16 characters)${by}`,
      `warn dropped an EVENT message without a subscription id${by}`,
      `warn dropped a message that is not a NIP-01 array${by}`,
    ]);
  });

  it("refusals to one buyer are rate-limited, in feedback and in the log, with a summary", async () => {
    const flooder = generateSecretKey();
    const sent = Array.from({ length: 25 }, (_, i) =>
      handMadeRequest(flooder, [
        ["i", `flood ${i}`, "text"],
        ["param", "max_tokens", "lots"],
        ["p", node.pubkey],
      ]),
    );
    for (const event of sent) relay.push(event);
    const buyer = sent[0]!.pubkey.slice(0, 12);
    // Summaries come every second: the 15 may be split over two of them.
    const suppressed = (): number =>
      logLines
        .filter((l) => l.startsWith("info suppressed "))
        .reduce((sum, l) => sum + Number(new RegExp(`(\\d+) to buyer ${buyer}`).exec(l)?.[1] ?? 0), 0);
    await waitFor(() => suppressed() >= 15, "the suppressed-refusals summary");
    expect(suppressed()).toBe(15);
    // The summary can be logged before the relay has the refusals' feedback (seen in CI under load).
    const answered = () => sent.filter((event) => repliesTo(event.id).length > 0);
    await waitFor(() => answered().length >= 10, "the 10 refusals' feedback on the relay");
    expect(answered()).toHaveLength(10);
    const refusalLines = logLines.filter((l) => l.includes(` from ${buyer} refused: `));
    expect(refusalLines).toHaveLength(10);
  });

  it("a message over the pool's 16 MiB limit drops the connection; the node reconnects and resubscribes", async () => {
    expect(node.status().relays[0]?.state).toBe("open");
    const request = handMadeRequest(buyerKey, [
      ["i", "z".repeat(17 * 1024 * 1024), "text"],
      ["p", node.pubkey],
    ]);
    relay.push(request);
    await waitFor(() => node.status().relays[0]?.state !== "open", "the connection to drop", 5_000);
    expect(node.status().relays[0]?.lastError).toMatch(/Max payload size exceeded/);
    await waitFor(() => node.status().relays[0]?.state === "open", "the reconnect", 10_000);
    expect(repliesTo(request.id)).toEqual([]);
  });

  it("the log and the console hold no stack trace, and the node serves the next valid job", async () => {
    const valid = request([["i", "after all that", "text"]]);
    // After the reconnect the node's REQ may still be on its way: push once a subscription takes it.
    await waitFor(() => relay.push(valid) > 0, "the node's subscription after its reconnect");
    const result = await waitFor(
      () => relay.published.find((e) => e.kind === 6050 && tag(e, "e")?.[1] === valid.id),
      "the valid job's result",
    );
    expect(result.content).toBe("served after the storm");
    noStackLines(logLines);
    noStackLines(consoleLines);
    expect(consoleLines.join("\n")).not.toMatch(/^\s+at /m);
  });
});
