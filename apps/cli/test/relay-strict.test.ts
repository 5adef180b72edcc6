import { afterEach, describe, expect, it } from "vitest";
import { CliHarness } from "./run-cli.js";

const harness = new CliHarness();
afterEach(() => harness.cleanup.run());

describe("pylon relay, configured strictly", () => {
  it("passes --auth, --min-pow, --max-message-bytes, --events-per-second, --restrict-writes to the relay (its NIP-11 says so)", async () => {
    const writer = "ab".repeat(32);
    const args = ["relay", "--port", "0", "--db", ":memory:", "--quiet", "--auth", "all", "--min-pow", "8"];
    const relay = await harness.start([
      ...args,
      "--max-message-bytes",
      "16384",
      "--events-per-second",
      "10",
      "--restrict-writes",
      writer,
    ]);
    const [, url] = (await relay.waitFor(/listening on (ws:\/\/127\.0\.0\.1:\d+)/)) as unknown as [
      string,
      string,
    ];
    const info = (await fetch(url.replace("ws://", "http://"), {
      headers: { accept: "application/nostr+json" },
    }).then((r) => r.json())) as { limitation: Record<string, unknown> };
    expect(info.limitation).toMatchObject({
      auth_required: true,
      min_pow_difficulty: 8,
      max_message_length: 16_384,
      restricted_writes: true,
    });
    relay.child.kill("SIGTERM");
    expect((await relay.exited).code).toBe(0);

    const bad = await harness.run(["relay", "--port", "0", "--restrict-writes", "npub1nope"]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('"npub1nope" is not a hex pubkey');
  });
});
