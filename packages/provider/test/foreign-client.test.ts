/**
 * Requests written by hand to the NIP-90 text as other clients write them (raw nostr-tools, none of this
 * project's builders or parsers), or built by NDK 3's DVM helpers, and replies read by hand the same way.
 */
import NDK, { NDKDVMRequest, NDKKind, NDKPrivateKeySigner } from "@nostr-dev-kit/ndk";
import type { RelayPool } from "@pylon/nostr";
import { waitFor } from "@pylon/testkit";
import * as nip04 from "nostr-tools/nip04";
import * as nip44 from "nostr-tools/nip44";
import { generateSecretKey, getPublicKey } from "nostr-tools/pure";
import { beforeAll, describe, expect, it } from "vitest";
import type { RunningProvider } from "../src/provider.js";
import { buyerClient, handMadeRequest, startNode, suite, tag } from "./helpers/harness.js";

const shared = suite({ model: true });
const { files } = shared;
let node: RunningProvider;
let transport: RelayPool;

beforeAll(async () => {
  node = await startNode(files, { relays: [shared.relayUrl], model: shared.model, serveOpen: true });
  transport = buyerClient(files, shared.relayUrl).pool; // only carries events; it builds and reads nothing
});

interface Raw {
  id: string;
  kind: number;
  pubkey: string;
  content: string;
  tags: string[][];
}

/** Publishes a hand-made request and gathers every reply to it until a result arrives. */
async function send(request: Raw): Promise<{ result: Raw; feedback: Raw[] }> {
  const replies: Raw[] = [];
  const handle = transport.subscribe(
    { kinds: [6050, 7000], "#e": [request.id] },
    { onevent: (event) => replies.push(event) },
  );
  try {
    const accepted = await transport.publish(request as never);
    expect(accepted.every((r) => r.ok)).toBe(true);
    const result = await waitFor(() => replies.find((e) => e.kind === 6050), "a result", 20_000);
    return { result, feedback: replies.filter((e) => e.kind === 7000) };
  } finally {
    handle.close();
  }
}

describe("a foreign client", () => {
  it("gets an open request with the prompt in a param and `top-k`/`max-tokens` spellings served", async () => {
    const sk = generateSecretKey();
    const request = handMadeRequest(sk, [
      ["param", "prompt", "Write one short line about the sea."],
      ["param", "top-k", "20"],
      ["param", "max-tokens", "12"],
      ["param", "temperature", "0.5"],
      ["output", "text/plain"],
      ["relays", shared.relayUrl],
    ]);
    const { result, feedback } = await send(request);

    expect(result.pubkey).toBe(node.pubkey);
    expect(tag(result, "e")?.[1]).toBe(request.id);
    expect(tag(result, "p")?.[1]).toBe(getPublicKey(sk));
    expect(JSON.parse(tag(result, "request")?.[1] ?? "{}").id).toBe(request.id);
    expect(tag(result, "encrypted")).toBeUndefined();
    expect(result.content.length).toBeGreaterThan(0);
    expect(feedback.map((f) => tag(f, "status")?.[1])).toContain("processing");
  });

  it("gets a request with an untyped `i` tag and `max_new_tokens` served, its input copied into the result", async () => {
    const sk = generateSecretKey();
    const request = handMadeRequest(sk, [
      ["i", "Name a colour."],
      ["param", "max_new_tokens", "6"],
      ["param", "top_p", "0.9"],
      ["p", node.pubkey],
    ]);
    const { result } = await send(request);
    expect(tag(result, "i")).toEqual(["i", "Name a colour."]);
    expect(result.content.length).toBeGreaterThan(0);
  });

  it("gets a NIP-04 encrypted request (as the NIP-90 text describes) answered in NIP-04", async () => {
    const sk = generateSecretKey();
    const privateTags = [
      ["i", "What is two plus two?", "text"],
      ["param", "max_tokens", "8"],
    ];
    const request = handMadeRequest(sk, [["p", node.pubkey], ["encrypted"]], {
      content: nip04.encrypt(sk, node.pubkey, JSON.stringify(privateTags)),
    });
    const { result } = await send(request);
    expect(tag(result, "encrypted")).toEqual(["encrypted"]);
    expect(tag(result, "i")).toBeUndefined();
    expect(result.content).toContain("?iv=");
    const output = nip04.decrypt(sk, node.pubkey, result.content);
    expect(output.length).toBeGreaterThan(0);
  });

  it("gets NDK-built encrypted requests (NIP-44, NDK's default, and NIP-04) answered in the same scheme", async () => {
    for (const scheme of ["nip44", "nip04"] as const) {
      const sk = generateSecretKey();
      // NDK builds and signs offline here; the event travels through the test's own transport.
      const ndk = new NDK({ signer: new NDKPrivateKeySigner(sk) });
      const request = new NDKDVMRequest(ndk);
      request.kind = NDKKind.DVMReqTextGeneration;
      request.addInput("What is two plus two?", "text");
      request.addParam("max_tokens", "8");
      const dvm = ndk.getUser({ pubkey: node.pubkey });
      if (scheme === "nip44") {
        await request.encryption(dvm); // moves i/param into the content, tags p + encrypted
      } else {
        request.content = JSON.stringify(request.tags.filter((t) => t[0] === "i" || t[0] === "param"));
        request.tags = [["p", node.pubkey], ["encrypted"]];
        await request.encrypt(dvm, undefined, "nip04");
      }
      await request.sign();
      const { result } = await send(request.rawEvent() as Raw);
      expect(tag(result, "encrypted")).toEqual(["encrypted"]);
      const output =
        scheme === "nip44"
          ? nip44.v2.decrypt(result.content, nip44.v2.utils.getConversationKey(sk, node.pubkey))
          : nip04.decrypt(sk, node.pubkey, result.content);
      expect(output.length).toBeGreaterThan(0);
    }
  });
});
