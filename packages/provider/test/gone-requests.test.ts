/**
 * A running job's request deleted from the relays it was seen on counts as cancelled (for relays that drop
 * kind-5 deletions); one still held by a relay that is down does not. Pylon's relay, real WebSockets.
 */
import { normaliseRelayUrl, RelayPool, signEvent } from "@pylon/nostr";
import { Kind } from "@pylon/protocol";
import { Cleanup } from "@pylon/testkit";
import { startTestRelay } from "@pylon/testkit/market";
import { generateSecretKey } from "nostr-tools/pure";
import { afterEach, describe, expect, it } from "vitest";
import { GoneRequests } from "../src/gone-requests.js";
import { quietLogger } from "../src/log.js";

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

async function setup(relays: number) {
  const running = await Promise.all(Array.from({ length: relays }, () => startTestRelay(cleanup)));
  const urls = running.map((r) => r.url);
  const pool = cleanup.use(
    new RelayPool(urls, { eoseTimeoutMs: 1_000, connectTimeoutMs: 500, publishTimeoutMs: 1_000 }),
    (p) => p.close(),
  );
  const gone: string[] = [];
  const watcher = new GoneRequests({ pool, log: quietLogger, onGone: (id) => gone.push(id), minAgeMs: 0 });
  cleanup.add(() => watcher.stop());
  const buyer = generateSecretKey();
  const request = signEvent({ kind: Kind.TextGeneration, tags: [], content: "q" }, buyer);
  const deletion = signEvent({ kind: Kind.Deletion, tags: [["e", request.id]], content: "" }, buyer);
  for (const result of await pool.publish(request)) expect(result.ok).toBe(true);
  return { running, pool, gone, watcher, request, deletion };
}

describe("GoneRequests", () => {
  it("a request no relay is known to hold (not seen arriving, never found stored) is never gone", async () => {
    const { gone, watcher } = await setup(1);
    const unknown = signEvent(
      { kind: Kind.TextGeneration, tags: [], content: "not stored" },
      generateSecretKey(),
    );
    watcher.watch([unknown.id]);
    await watcher.check();
    await watcher.check();
    expect(gone).toEqual([]);
  });

  it("reports a request once it is deleted from the relay it came from, once", async () => {
    const { pool, gone, watcher, request, deletion } = await setup(1);
    watcher.seenOn(request.id, pool.relays[0] as string);
    watcher.watch([request.id]);
    await watcher.check();
    expect(gone).toEqual([]); // still stored
    await pool.publish(deletion);
    await watcher.check();
    expect(gone).toEqual([request.id]);
    await watcher.check();
    expect(gone).toEqual([request.id]); // not again
  });

  it("a relay that held it and is down proves nothing; a relay that never held it has no say", async () => {
    const { running, pool, gone, watcher, request, deletion } = await setup(2);
    const [a, b] = running;
    watcher.watch([request.id]); // arrival relay unknown (a restart): the lookups say where it is stored
    await watcher.check();
    await b?.close(); // held it, now down
    await pool.publish(deletion); // reaches a only
    await watcher.check();
    expect(gone).toEqual([]);

    // Another job, seen on a only (b never had it): deleted there, it is gone although b is still down.
    const author = generateSecretKey();
    const other = signEvent({ kind: Kind.TextGeneration, tags: [], content: "q2" }, author);
    expect((await pool.publish(other)).some((r) => r.ok)).toBe(true);
    watcher.seenOn(other.id, normaliseRelayUrl(a?.url as string));
    watcher.watch([request.id, other.id]);
    await watcher.check();
    expect(gone).toEqual([]);
    await pool.publish(signEvent({ kind: Kind.Deletion, tags: [["e", other.id]], content: "" }, author));
    await watcher.check();
    expect(gone).toEqual([other.id]);
  });
});
