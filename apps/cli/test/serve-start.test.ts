/**
 * `pylon serve` starting and refusing to start, as a process on the paid local market (real relay, testnet
 * mint, paid SCRIPTED provider nodes): the config file's `serve.*` keys, a day's budget too small (402 in
 * OpenAI's shape), a port taken, no relay answering, a host other than loopback.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { unusedPort } from "@pylon/testkit";
import { MODEL } from "@pylon/testkit/market";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CliHarness } from "./run-cli.js";
import { type PaidMarket, startPaidMarket } from "./run-market.js";
import { failure, SKY, serve } from "./serve-helpers.js";

const harness = new CliHarness();
let market: PaidMarket;

beforeAll(async () => {
  market = await startPaidMarket(harness.cleanup, { nodes: 2, latencyMs: 20, slots: 4, inputFeePpk: 100 });
}, 60_000);
afterAll(() => harness.cleanup.run(), 60_000);

describe("pylon serve starting (SCRIPTED provider nodes)", () => {
  it("takes serve.* keys from the config file, and refuses with 402 when the day's budget cannot cover a request", async () => {
    const home = await harness.home("pylon-serve-budget-");
    const port = await unusedPort();
    // No --port, no --budget-day-sats: the file's serve.port and a 1-sat day budget.
    writeFileSync(join(home, "config.json"), JSON.stringify({ serve: { port, budgetDaySats: 1 } }));
    const cli = await harness.start(
      ["serve", "--relay", market.relay.url, "--mint", market.mint.url, "--providers", "2", "--no-checks"],
      { env: { PYLON_HOME: home } },
    );
    const [, baseURL] = (await cli.waitForStderr(/listening on (http:\/\/\S+\/v1)/, 30_000)) as unknown as [
      string,
      string,
    ];
    expect(baseURL).toBe(`http://127.0.0.1:${port}/v1`);
    const token = readFileSync(join(home, "serve", "token"), "utf8").trim();
    const client = new OpenAI({ baseURL, apiKey: token, maxRetries: 0 });
    const refused = await failure(
      client.chat.completions.create({
        model: `market/${MODEL}`,
        messages: [{ role: "user", content: SKY }],
        max_tokens: 500,
      }),
    );
    expect(refused.status).toBe(402);
    expect(refused.error).toMatchObject({ message: expect.stringContaining("sats") });
    cli.child.kill("SIGTERM");
    expect((await cli.finished()).code).toBe(0);
  }, 60_000);

  it("exits non-zero naming the cause when the port is taken or no relay answers", async () => {
    const home = await harness.home("pylon-serve-fail-");
    const first = await serve(harness, market, home, []);
    const port = new URL(first.baseURL).port;
    const taken = await harness.run(
      ["serve", "--port", port, "--relay", market.relay.url, "--mint", market.mint.url, "--no-checks"],
      { env: { PYLON_HOME: await harness.home("pylon-serve-fail2-") } },
    );
    expect(taken.code).not.toBe(0);
    expect(taken.stderr).toContain(`port ${port}`);
    first.cli.child.kill("SIGTERM");
    expect((await first.cli.finished()).code).toBe(0);
    // A host other than loopback is warned about at once (192.0.2.1 is a documentation address, and it never
    // binds: no relay answers first).
    const unreachable = await harness.run(
      ["serve", "--host", "192.0.2.1", "--port", "0", "--relay", "ws://127.0.0.1:1", "--no-checks"],
      {
        env: { PYLON_HOME: home },
      },
    );
    expect(unreachable.code).not.toBe(0);
    expect(unreachable.stderr).toContain("could not connect to any relay");
    expect(unreachable.stderr).toContain("the API is reachable from the network");
  }, 90_000);
});
