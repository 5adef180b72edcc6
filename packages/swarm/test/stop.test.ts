/**
 * Stop sequences (a chat client's `stop`) travel with the job on real parts (our relay, provider nodes on
 * scripted LMs that record what they were asked), are never dropped by batching, and make their own memo key.
 */
import { Cleanup } from "@pylon/testkit";
import { startLocalMarket } from "@pylon/testkit/market";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSwarm, subcallKey } from "../src/index.js";
import { ask } from "./harness.js";

const cleanup = new Cleanup();
let relayUrl: string;
const asked = new Map<string, string[] | undefined>();

beforeAll(async () => {
  const market = await startLocalMarket(cleanup, {
    providers: 2,
    node: {
      responses: (request) => {
        const prompt = request.messages?.at(-1)?.content ?? request.prompt ?? "";
        asked.set(prompt, request.stop);
        return `answer to: ${prompt}`;
      },
    },
  });
  relayUrl = market.relay.url;
}, 30_000);
afterAll(() => cleanup.run(), 30_000);

describe("stop sequences (scripted LMs that record their requests)", () => {
  it("reach the provider with the job, batched calls beside them keep none, and change the memo key", async () => {
    const swarm = cleanup.use(await createSwarm({ relays: [relayUrl], hedge: false }), (s) => s.close());
    await swarm.directory.waitFor(2);
    const stopped = { ...ask("with stop", 16), stop: ["\n\n", "END"] };
    // Sent together with plain sub-calls, which the swarm batches: the one with stop sequences goes alone.
    const plain = Array.from({ length: 4 }, (_, i) => ask(`plain ${i}`, 16));
    const results = await swarm.complete([stopped, ...plain], new AbortController().signal);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(asked.get("with stop")).toEqual(["\n\n", "END"]);
    for (let i = 0; i < 4; i++) expect(asked.get(`plain ${i}`) ?? []).toEqual([]);
    const bare = ask("with stop", 16);
    expect(subcallKey(stopped, undefined)).not.toBe(subcallKey(bare, undefined));
    expect(subcallKey({ ...bare, stop: [] }, undefined)).toBe(subcallKey(bare, undefined));
  }, 60_000);
});
