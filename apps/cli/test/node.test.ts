import { createHash } from "node:crypto";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { unusedPort } from "@pylon/testkit";
import { startTestMint, startTestRelay } from "@pylon/testkit/market";
import { decode } from "nostr-tools/nip19";
import { SimplePool, useWebSocketImplementation } from "nostr-tools/pool";
import { finalizeEvent, generateSecretKey, getPublicKey } from "nostr-tools/pure";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { type Cli, CliHarness, expectListed } from "./run-cli.js";

useWebSocketImplementation(WebSocket);

const harness = new CliHarness();
afterEach(() => harness.cleanup.run());

const tempHome = () => harness.home("pylon-cli-node-");
const run = (args: string[], home: string): Promise<Cli> =>
  harness.start(args, { env: { PYLON_HOME: home } });

describe("pylon node", () => {
  it("documents its flags in --help", async () => {
    const help = await run(["node", "--help"], await tempHome());
    expect((await help.exited).code).toBe(0);
    expectListed(help.stdout(), [
      "--config",
      "--relay",
      "--model",
      "--slots",
      "--threads",
      "--free",
      "--price-in",
      "--price-out",
      "--data-dir",
      "--serve-open",
    ]);
    expect(help.stdout()).toContain("status");
  });

  it("explains a config it cannot start with, and exits non-zero", async () => {
    const home = await tempHome();
    const noModel = await run(["node", "--relay", "ws://127.0.0.1:1"], home);
    expect((await noModel.exited).code).toBe(1);
    expect(noModel.stderr()).toContain("model: required: a GGUF file path");

    const missing = await run(
      ["node", "--relay", "ws://127.0.0.1:1", "--model", join(home, "none.gguf")],
      home,
    );
    expect((await missing.exited).code).toBe(1);
    expect(missing.stderr()).toMatch(/model file not found: .*none\.gguf/);
    expect(missing.stderr()).toContain("pylon models tiny");
  });

  it('names a value over its limit once (zod\'s "Too big" line is not repeated)', async () => {
    const home = await tempHome();
    const big = await run(
      ["node", "--relay", "ws://127.0.0.1:1", "--model", join(home, "m.gguf"), "--slots", "1000"],
      home,
    );
    expect((await big.exited).code).toBe(1);
    const lines = big
      .stderr()
      .split("\n")
      .filter((line) => line.includes("Too big"));
    expect(lines).toEqual(["  - slots: Too big: expected number to be <=256"]);
  });

  it("refuses a negative price as negative, not as not whole", async () => {
    const negative = await run(["node", "--price-out", "-5"], await tempHome());
    expect((await negative.exited).code).not.toBe(0);
    expect(negative.stderr()).toContain(`"-5" must be 0 or more.`);
    expect(negative.stderr()).not.toContain("whole number");
  });

  it("names a folder given as --model as a folder, once", async () => {
    const home = await tempHome();
    const folder = await run(["node", "--relay", "ws://127.0.0.1:1", "--model", home, "--free"], home);
    expect((await folder.exited).code).toBe(1);
    expect(folder.stderr().trim()).toBe(
      `pylon: model is a folder, not a GGUF file: ${home} (name the .gguf file inside it, or an hf:user/repo:quant URI)`,
    );
  });

  it("refuses a paid node without a price, and --free with a price, naming the values", async () => {
    const home = await tempHome();
    const config = join(home, "scripted.json");
    writeFileSync(config, JSON.stringify({ model: { type: "scripted", reply: "hi" } }));
    const base = ["node", "--config", config, "--relay", "ws://127.0.0.1:1", "--data-dir", join(home, "d")];
    const unpriced = await run([...base, "--mint", "http://127.0.0.1:3338"], home);
    expect((await unpriced.exited).code).toBe(1);
    expect(unpriced.stderr().trim()).toBe(
      "pylon: a paid node needs a price (every price is 0, so each job would be quoted 0 msats): " +
        "set --price-in, --price-out or --price-min (msats), or serve for free with --free",
    );
    const both = await run([...base, "--free", "--price-out", "1000"], home);
    expect((await both.exited).code).toBe(1);
    expect(both.stderr().trim()).toBe(
      "pylon: free and priced at once (free is set, and prices.outputPer1k 1000 msats): drop the price to serve for free, or free to charge",
    );
  });

  it("`models tiny --shape` refuses an unknown shape, naming the ones it knows", async () => {
    const home = await tempHome();
    const models = await run(["models", "tiny", "--shape", "huge", "--out", join(home, "x.gguf")], home);
    expect((await models.exited).code).toBe(1);
    expect(models.stderr()).toContain(
      'unknown model shape "huge"; one of tiny, medium-q4, medium-q8, medium-f32',
    );
    expect(existsSync(join(home, "x.gguf"))).toBe(false);
  });

  it("`models tiny --out` then `node --free` serves a foreign client's request, reports status, and stops cleanly on SIGTERM", async () => {
    const home = await tempHome();
    const modelFile = join(home, "models", "tiny.gguf");
    const models = await run(["models", "tiny", "--out", modelFile], home);
    expect((await models.exited).code).toBe(0);
    expect(models.stdout().trim()).toBe(modelFile);
    expect(statSync(modelFile).size).toBeGreaterThan(100_000);

    const { url } = await startTestRelay(harness.cleanup);
    const dataDir = join(home, "node-data");
    const node = await run(
      [
        "node",
        "--model",
        modelFile,
        "--relay",
        url,
        "--free",
        "--threads",
        "1",
        "--data-dir",
        dataDir,
        "--status-every",
        "0",
      ],
      home,
    );
    const [, npub, digest] = (await node.waitFor(
      /^pylon node (npub1[0-9a-z]+) serving tiny \[sha256:([0-9a-f]{12})\] \(4 slots\) on .* for free$/m,
    )) as unknown as [string, string, string];
    // The serving line shows the model file's digest, short.
    expect(createHash("sha256").update(readFileSync(modelFile)).digest("hex")).toMatch(
      new RegExp(`^${digest}`),
    );
    expect(node.stderr()).toContain(`created key ${join(dataDir, "provider.key")} (mode 0600)`);
    expect(statSync(join(dataDir, "provider.key")).mode & 0o777).toBe(0o600);
    const decoded = decode(npub);
    expect(decoded.type).toBe("npub");
    const providerPubkey = decoded.data as string;

    // A foreign client: a request written by hand to NIP-90, sent and read with nostr-tools alone.
    const sk = generateSecretKey();
    const request = finalizeEvent(
      {
        kind: 5050,
        created_at: Math.floor(Date.now() / 1000),
        content: "",
        tags: [
          ["i", "Tell me about relays.", "text"],
          ["param", "max_tokens", "16"],
          ["param", "top-k", "10"],
          ["p", providerPubkey],
        ],
      },
      sk,
    );
    const pool = new SimplePool();
    harness.cleanup.add(() => pool.close([url]));
    const result = new Promise<{ content: string; tags: string[][]; pubkey: string }>((resolve) => {
      const sub = pool.subscribeMany(
        [url],
        { kinds: [6050], "#e": [request.id] },
        {
          onevent: (event) => {
            sub.close();
            resolve(event);
          },
        },
      );
    });
    await Promise.all(pool.publish([url], request));
    const answer = await result;
    expect(answer.pubkey).toBe(providerPubkey);
    expect(answer.tags.find((t) => t[0] === "p")?.[1]).toBe(getPublicKey(sk));
    expect(answer.content.length).toBeGreaterThan(0);

    node.child.kill("SIGUSR2");
    await node.waitForStderr(/served 1, failed 0/);

    node.child.kill("SIGTERM");
    expect(await node.exited).toEqual({ code: 0, signal: null });
    expect(node.stderr()).toMatch(/pylon node: stopped/);

    const status = await run(["node", "status", "--data-dir", dataDir], home);
    expect((await status.exited).code).toBe(0);
    const saved = JSON.parse(status.stdout()) as { npub: string; jobs: { served: number } };
    expect(saved.npub).toBe(npub);
    expect(saved.jobs.served).toBe(1);
    expect(existsSync(join(dataDir, "provider.db"))).toBe(true);
  });

  it("reports a relay that refuses the connection as such at start, per relay, and serves on the others", async () => {
    const home = await tempHome();
    const { url } = await startTestRelay(harness.cleanup);
    const refused = `ws://127.0.0.1:${await unusedPort()}`;
    const config = join(home, "node.json");
    writeFileSync(config, JSON.stringify({ model: { type: "scripted", reply: "hi" } }));
    const node = await run(
      ["node", "--config", config, "--relay", url, "--relay", refused, "--free"].concat([
        "--data-dir",
        join(home, "node-data"),
        "--status-every",
        "0",
      ]),
      home,
    );
    const [line] = await node.waitFor(/^pylon node npub1[0-9a-z]+ serving .* for free$/m, 30_000);
    expect(line).toContain(`on ${url}, ${refused} (unreachable) for free`);
    expect(node.stderr()).toMatch(
      new RegExp(
        `^pylon node: relay ${refused}/ refused the connection \\(connect ECONNREFUSED 127\\.0\\.0\\.1:\\d+\\); retrying in the background$`,
        "m",
      ),
    );
    expect(node.stderr()).not.toContain(`relay ${url}`);
    expect(node.stderr()).not.toContain("no relay is connected");
    // The status line (SIGUSR2) counts them too.
    node.child.kill("SIGUSR2");
    await node.waitForStderr(/relays 1\/2 connected \(ws:\/\/127\.0\.0\.1:\d+\/ refused the connection/);
    node.child.kill("SIGTERM");
    expect(await node.exited).toEqual({ code: 0, signal: null });
  });

  it("says so when no relay is connected at all", async () => {
    const home = await tempHome();
    const refused = `ws://127.0.0.1:${await unusedPort()}`;
    const config = join(home, "node.json");
    writeFileSync(config, JSON.stringify({ model: { type: "scripted", reply: "hi" } }));
    const node = await run(
      ["node", "--config", config, "--relay", refused, "--free", "--data-dir", join(home, "d")].concat([
        "--status-every",
        "0",
      ]),
      home,
    );
    const [line] = await node.waitFor(/^pylon node npub1[0-9a-z]+ serving .* for free$/m, 30_000);
    expect(line).toContain(`on ${refused} (unreachable) for free`);
    expect(node.stderr()).toContain(`pylon node: relay ${refused}/ refused the connection`);
    expect(node.stderr()).toContain(
      "pylon node: no relay is connected: no job can reach this node until one is",
    );
    node.child.kill("SIGTERM");
    expect(await node.exited).toEqual({ code: 0, signal: null });
  });

  it("`node --mint` takes Cashu payments (payment key in its wallet, 0600) and `node earnings` reports them", async () => {
    const home = await tempHome();
    const { url } = await startTestRelay(harness.cleanup);
    const mint = await startTestMint(harness.cleanup);
    const dataDir = join(home, "paid-node");
    const config = join(home, "node.json");
    writeFileSync(config, JSON.stringify({ model: { type: "scripted", reply: "hi" } }));
    const none = await run(["node", "earnings", "--data-dir", dataDir], home);
    expect((await none.exited).code).toBe(1);
    expect(none.stderr()).toContain("no payments recorded");

    const node = await run(
      ["node", "--config", config, "--relay", url, "--mint", mint.url, "--price-out", "1000"].concat([
        "--data-dir",
        dataDir,
        "--status-every",
        "0",
      ]),
      home,
    );
    await node.waitFor(/^pylon node npub1[0-9a-z]+ serving .* \(payment required\)$/m);
    expect(statSync(join(dataDir, "wallet.seed")).mode & 0o777).toBe(0o600);
    const earnings = await run(["node", "earnings", "--data-dir", dataDir], home);
    expect((await earnings.exited).code).toBe(0);
    expect(JSON.parse(earnings.stdout())).toEqual({
      creditedSats: 0,
      feeSats: 0,
      heldSats: 0,
      redeemedSats: 0,
      lostSats: 0,
      walletSats: 0,
      unsettledSats: 0,
    });
    node.child.kill("SIGTERM");
    const exit = await node.exited;
    expect(exit, node.stderr()).toEqual({ code: 0, signal: null });
  });
});
