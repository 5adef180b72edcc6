/**
 * A standard NIP-90 client pays by Lightning: NDK 3 (none of this project's builders or parsers) builds a
 * kind-5050 job for a paid node, gets `payment-required` with `["amount", msats, bolt11]`, the invoice (a
 * NUT-04 quote at the node's mint) is paid on the mint's fake Lightning the way a payer's wallet would, the
 * node mints the ecash to itself and only then serves the job; NDK receives the 6050 result. An invoice left
 * unpaid drops its job with no work done. Real relay (WebSockets), real mint (HTTP), scripted backend.
 */
import NDK, {
  NDKDVMJobFeedback,
  NDKDVMJobResult,
  NDKDVMRequest,
  type NDKEvent,
  NDKKind,
  NDKPrivateKeySigner,
} from "@nostr-dev-kit/ndk";
import { createScriptedBackend } from "@pylon/inference/scripted";
import type { RunningMint } from "@pylon/mint";
import { Cleanup, sleep, tempDir, waitFor } from "@pylon/testkit";
import { countingBackend, MODEL, PRICES, startTestMint, startTestRelay } from "@pylon/testkit/market";
import { generateSecretKey } from "nostr-tools/pure";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import type { Logger } from "../src/log.js";
import { type RunningProvider, startProvider } from "../src/provider.js";

// NDK opens its sockets with the global WebSocket, which Node 20 lacks.
(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;

const files = new Cleanup();
const cleanup = new Cleanup();
let relayUrl = "";
/** Fake Lightning that pays nothing by itself: quotes stay UNPAID until a payer pays their invoice. */
let mint: RunningMint;

beforeAll(async () => {
  relayUrl = (await startTestRelay(files)).url;
  mint = await startTestMint(files, 0, { autoPay: false });
});
afterEach(() => cleanup.run());
afterAll(() => files.run());

/** "hello world" with max_tokens 100 quotes 2,030 msats at PRICES: 3 whole sats by Lightning. */
const PRICE_SATS = 3;

async function paidNode(lightningWaitSec = 60, dataDir?: string) {
  const lines: string[] = [];
  const log: Logger = {
    info: (m) => lines.push(m),
    warn: (m) => lines.push(m),
    error: (m) => lines.push(m),
  };
  const counted = countingBackend(
    createScriptedBackend({ responses: () => "paid by lightning", model: MODEL, latencyMs: 0, slots: 2 }),
  );
  const node: RunningProvider = await startProvider(
    {
      relays: [relayUrl],
      model: { type: "scripted", echo: true },
      slots: 2,
      queue: 2,
      shutdownGraceSec: 0,
      free: false,
      prices: { ...PRICES },
      allowedMints: [mint.url],
      payments: { lightningWaitSec },
      dataDir: dataDir ?? (await tempDir(cleanup, "pylon-node-")),
    },
    { backend: counted.backend, log, allowPrivateRequestRelays: true },
  );
  cleanup.add(() => node.stop());
  return { node, calls: counted.calls, lines };
}

/** NDK on our relay only (no outbox lookups, nothing outside 127.0.0.1). */
async function ndkBuyer(): Promise<NDK> {
  const ndk = new NDK({
    explicitRelayUrls: [relayUrl],
    signer: new NDKPrivateKeySigner(generateSecretKey()),
    enableOutboxModel: false,
    autoConnectUserRelays: false,
  });
  await ndk.connect(2_000);
  cleanup.add(() => {
    for (const relay of ndk.pool.relays.values()) relay.disconnect();
  });
  return ndk;
}

/** An NDK-built job for `provider`, published after a subscription to its replies is open. */
async function submit(ndk: NDK, provider: string) {
  const request = new NDKDVMRequest(ndk);
  request.kind = NDKKind.DVMReqTextGeneration;
  request.addInput("hello world", "text");
  request.addParam("max_tokens", "100");
  request.dvm = ndk.getUser({ pubkey: provider });
  await request.sign();
  const replies: NDKEvent[] = [];
  const sub = ndk.subscribe(
    // NDK's kind enum names no text-generation result (6050): a plain number, as NDK filters allow.
    { kinds: [NDKKind.DVMJobFeedback, 6050 as NDKKind], "#e": [request.id] },
    { closeOnEose: false, onEvent: (event) => replies.push(event) },
  );
  cleanup.add(() => sub.stop());
  await request.publish();
  const feedback = async (status: string) => {
    const found = await waitFor(
      async () => {
        for (const event of replies.filter((e) => e.kind === 7000)) {
          const fb = await NDKDVMJobFeedback.from(event);
          // Ours says `payment-required`; NDK's enum spells it `payment_required`: read both.
          if (fb.status?.replace(/_/g, "-") === status) return fb;
        }
        return undefined;
      },
      `${status} feedback`,
      10_000,
    );
    return found;
  };
  const result = () => replies.find((e) => e.kind === 6050);
  return { request, replies, feedback, result };
}

describe("Lightning through the mint, for a standard client (NDK)", () => {
  it("quotes an NDK job with amount + bolt11, runs it only once paid and minted, and earns the price", async () => {
    const { node, calls, lines } = await paidNode();
    const ndk = await ndkBuyer();
    expect(node.status().earnings?.walletSats).toBe(0);

    const job = await submit(ndk, node.pubkey);
    const asked = await job.feedback("payment-required");
    const [, msats, bolt11] = asked.getMatchingTags("amount")[0] ?? [];
    expect(Number(msats)).toBe(PRICE_SATS * 1000);
    expect(bolt11).toMatch(/^lnbcrt30n1/); // 3 sats = 30 nano-BTC, regtest
    // A Pylon buyer still finds its Cashu request beside the invoice.
    expect(asked.getMatchingTags("creq")[0]?.[1]).toMatch(/^creqA/);

    // Unpaid: nothing runs, however long it waits.
    await sleep(1_500);
    expect(calls()).toBe(0);
    expect(job.result()).toBeUndefined();

    // The buyer's Lightning wallet pays the invoice (fake Lightning at the mint).
    expect(mint.payInvoice(bolt11 ?? "")).toBe(true);
    const resultEvent = await waitFor(job.result, "the 6050 result", 15_000);
    const result = NDKDVMJobResult.from(resultEvent);
    expect(result.jobRequestId).toBe(job.request.id);
    expect(result.content).toBe("paid by lightning");
    expect(calls()).toBe(1);
    // The ecash was minted to the node before the job ran: its wallet holds exactly the price.
    expect(node.status().earnings?.walletSats).toBe(PRICE_SATS);
    const paidAt = lines.findIndex((l) => l.includes("Lightning invoice paid"));
    expect(paidAt).toBeGreaterThanOrEqual(0);
    expect(lines[paidAt]).toContain(`${PRICE_SATS} sats minted`);
    // Paid once, minted once: paying the same invoice again is refused by the network.
    expect(mint.payInvoice(bolt11 ?? "")).toBe(false);
  });

  it("drops a job whose invoice is not paid in time, with a clear log line and no work", async () => {
    const { node, calls, lines } = await paidNode(1);
    const ndk = await ndkBuyer();
    const job = await submit(ndk, node.pubkey);
    const asked = await job.feedback("payment-required");
    const [, , bolt11] = asked.getMatchingTags("amount")[0] ?? [];
    expect(bolt11).toMatch(/^lnbcrt/);
    const dropped = await waitFor(
      () => lines.find((l) => l.includes("not paid within 1 s; job dropped, no work done")),
      "the drop log line",
      10_000,
    );
    expect(dropped).toContain(job.request.id.slice(0, 12));
    expect(calls()).toBe(0);
    expect(job.result()).toBeUndefined();
    expect(node.status().earnings?.walletSats).toBe(0);
  });

  it("runs a job whose invoice was paid while the node was down, after its restart (nothing lost)", async () => {
    const dataDir = await tempDir(cleanup, "pylon-node-");
    const first = await paidNode(60, dataDir);
    const ndk = await ndkBuyer();
    const job = await submit(ndk, first.node.pubkey);
    const [, , bolt11] = (await job.feedback("payment-required")).getMatchingTags("amount")[0] ?? [];
    await first.node.stop();

    // Paid while no node watches: the quote is PAID at the mint, nothing minted yet.
    expect(mint.payInvoice(bolt11 ?? "")).toBe(true);
    const second = await paidNode(60, dataDir);
    const resultEvent = await waitFor(job.result, "the 6050 result after the restart", 15_000);
    expect(resultEvent.content).toBe("paid by lightning");
    expect(first.calls() + second.calls()).toBe(1);
    expect(second.node.status().earnings?.walletSats).toBe(PRICE_SATS);
  });
});
