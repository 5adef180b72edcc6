import { join } from "node:path";
import { SimplePool, useWebSocketImplementation } from "nostr-tools/pool";
import { finalizeEvent, generateSecretKey } from "nostr-tools/pure";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { CliHarness } from "./run-cli.js";

useWebSocketImplementation(WebSocket);

const harness = new CliHarness();
afterEach(() => harness.cleanup.run());

describe("pylon", () => {
  it("prints its version and help", async () => {
    const version = await harness.start(["--version"]);
    expect((await version.exited).code).toBe(0);
    expect(version.stdout().trim()).toMatch(/^\d+\.\d+\.\d+$/);

    const help = await harness.start(["--help"]);
    expect((await help.exited).code).toBe(0);
    expect(help.stdout()).toContain("relay");
  });

  it("rejects a bad flag value with a clear error and a non-zero exit", async () => {
    const cli = await harness.start(["relay", "--port", "not-a-port"]);
    expect((await cli.exited).code).not.toBe(0);
    expect(cli.stderr()).toContain('"not-a-port" is not a port number');
  });
});

describe("pylon relay", () => {
  it("serves real clients, keeps events in its file db across restarts, and stops cleanly on SIGTERM", async () => {
    const home = await harness.home();
    const db = join(home, "relay.db");
    const first = await harness.start(["relay", "--port", "0", "--db", db, "--quiet"]);
    const [, url] = (await first.waitFor(/listening on (ws:\/\/127\.0\.0\.1:\d+)/)) as unknown as [
      string,
      string,
    ];

    const pool = new SimplePool();
    const sk = generateSecretKey();
    const event = finalizeEvent(
      { kind: 1, created_at: Math.floor(Date.now() / 1000), tags: [], content: "hi" },
      sk,
    );
    await Promise.all(pool.publish([url], event));
    pool.close([url]);

    first.child.kill("SIGTERM");
    expect(await first.exited).toEqual({ code: 0, signal: null });
    expect(first.stderr()).toContain("stopped");

    const second = await harness.start(["relay", "--port", "0", "--db", db, "--quiet"]);
    const [, url2] = (await second.waitFor(/listening on (ws:\/\/127\.0\.0\.1:\d+)/)) as unknown as [
      string,
      string,
    ];
    const pool2 = new SimplePool();
    const found = await pool2.querySync([url2], { ids: [event.id] }, { maxWait: 5000 });
    pool2.close([url2]);
    expect(found.map((e) => e.id)).toEqual([event.id]);

    second.child.kill("SIGINT");
    expect((await second.exited).code).toBe(0);
  });

  it("says it listens once, and a port in use once", async () => {
    const first = await harness.start(["relay", "--port", "0", "--db", ":memory:"]);
    const [, port] = (await first.waitFor(
      /^pylon relay listening on ws:\/\/127\.0\.0\.1:(\d+)/m,
    )) as unknown as [string, string];
    expect(first.stderr()).not.toContain("listening");
    const second = await harness.run(["relay", "--port", port, "--db", ":memory:"]);
    expect(second.code).toBe(1);
    expect(second.stderr.trim().split("\n")).toEqual([
      `pylon: listen EADDRINUSE: address already in use 127.0.0.1:${port}`,
    ]);
    first.child.kill("SIGTERM");
    expect((await first.exited).code).toBe(0);
  });
});
