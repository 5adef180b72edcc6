/** A file database survives a restart with its events, replacements and deletion tombstones. */
import { join } from "node:path";
import { nowSec, tempDir } from "@pylon/testkit";
import { describe, expect, it } from "vitest";
import { startRelay } from "../src/relay.js";
import { cleanup, newKeys, onCleanup, poolForTest, RawClient, sign } from "./helpers.js";

describe("persistence", () => {
  it("keeps events across a restart on the same file", async () => {
    const dir = await tempDir(cleanup, "pylon-relay-");
    const db = join(dir, "relay.db");
    const keys = newKeys();
    const t = nowSec() - 100;
    const note = sign(keys, { content: "persisted", tags: [["t", "pylon"]] });
    const profileOld = sign(keys, { kind: 0, created_at: t, content: "old" });
    const profileNew = sign(keys, { kind: 0, created_at: t + 1, content: "new" });
    const doomed = sign(keys, { content: "doomed" });

    const first = await startRelay({ db });
    const client = await RawClient.connect(first.url);
    for (const e of [note, profileOld, profileNew, doomed]) expect((await client.publish(e))[0]).toBe(true);
    expect((await client.publish(sign(keys, { kind: 5, tags: [["e", doomed.id]] })))[0]).toBe(true);
    await client.close();
    await first.close();
    // Metrics stay readable after close (the CLI prints them on shutdown).
    expect(first.metrics().events).toMatchObject({ stored: 5, inStore: 3 });

    const second = await startRelay({ db });
    onCleanup(() => second.close());
    expect(second.metrics().events.inStore).toBe(3); // note, new profile, deletion request
    const pool = poolForTest();
    const tagged = await pool.querySync([second.url], { "#t": ["pylon"] });
    expect(tagged.map((e) => e.id)).toEqual([note.id]);
    const profiles = await pool.querySync([second.url], { kinds: [0], authors: [keys.pk] });
    expect(profiles.map((e) => e.content)).toEqual(["new"]);
    const again = await RawClient.connect(second.url);
    expect((await again.publish(doomed))[1]).toMatch(/^blocked:/);
    expect((await again.publish(note))[1]).toMatch(/^duplicate:/);
  });
});
