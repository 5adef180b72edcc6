/**
 * `pylon serve` as a process on the paid local market (real relay, testnet mint, paid SCRIPTED provider
 * nodes), driven by the official `openai` client: models, market/<model> and rlm completions (streamed and
 * not; rlm with the SCRIPTED map-reduce root as a declared stand-in and its sub-calls on the market), errors in
 * OpenAI's shape, receipts on disk, and every sat back in the wallet after SIGTERM but what was charged.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { generateSniah } from "@pylon/rlm/tasks";
import { MODEL } from "@pylon/testkit/market";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Cli, CliHarness } from "./run-cli.js";
import { fundBuyer, openBuyer, type PaidMarket, startPaidMarket } from "./run-market.js";

const harness = new CliHarness();
let market: PaidMarket;
const FUNDED = 1_000;
const SKY = "What colour is the sky today?\n\nGrass is green. The sky is blue today. Snow is white.";

beforeAll(async () => {
  market = await startPaidMarket(harness.cleanup, { nodes: 2, latencyMs: 20, slots: 4, inputFeePpk: 100 });
}, 60_000);
afterAll(() => harness.cleanup.run(), 60_000);

/** Starts `pylon serve` on a free port; resolves once it listens, with its base URL. */
async function serve(home: string, extra: string[]): Promise<{ cli: Cli; baseURL: string }> {
  const cli = await harness.start(
    [
      "serve",
      "--port",
      "0",
      "--relay",
      market.relay.url,
      "--mint",
      market.mint.url,
      "--providers",
      "2",
      "--no-checks",
      ...extra,
    ],
    { env: { PYLON_HOME: home } },
  );
  const [, baseURL] = (await cli.waitForStderr(
    /listening on (http:\/\/127\.0\.0\.1:\d+\/v1)/,
    30_000,
  )) as unknown as [string, string];
  await cli.waitFor(/export OPENAI_API_KEY=/, 10_000); // stdout may trail stderr
  return { cli, baseURL };
}

/** The error an openai client call rejected with: its status and OpenAI's error object. */
async function failure(call: Promise<unknown>): Promise<{ status: number; error: Record<string, unknown> }> {
  const error = await call.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(OpenAI.APIError);
  const api = error as InstanceType<typeof OpenAI.APIError>;
  return { status: api.status ?? 0, error: api.error as Record<string, unknown> };
}

async function streamed(stream: AsyncIterable<OpenAI.Chat.Completions.ChatCompletionChunk>): Promise<string> {
  let text = "";
  for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
  return text;
}

describe("pylon serve over a paid local market (SCRIPTED provider nodes, SCRIPTED root)", () => {
  it("serves market/<model> and rlm to the openai client, refuses by OpenAI's rules, refunds on SIGTERM", async () => {
    const home = await harness.home("pylon-serve-");
    await fundBuyer(market, home, FUNDED);
    const { cli, baseURL } = await serve(home, [
      "--root",
      "scripted",
      "--subcall-chars",
      "600",
      "--sub-max-tokens",
      "64",
    ]);
    expect(cli.stderr()).toContain("scripted models are deterministic stand-ins");
    const tokenFile = join(home, "serve", "token");
    expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
    const token = readFileSync(tokenFile, "utf8").trim();
    // Where the token is, and how to use it; never the token itself.
    expect(cli.stdout()).toContain(`export OPENAI_BASE_URL=${baseURL}`);
    expect(cli.stdout()).toContain(tokenFile);
    expect(cli.stdout() + cli.stderr()).not.toContain(token);
    const client = new OpenAI({ baseURL, apiKey: token, maxRetries: 0, timeout: 60_000 });

    const ids = (await client.models.list()).data.map((model) => model.id);
    expect(ids).toContain(`market/${MODEL}`);
    expect(ids).toContain("rlm");

    // market/<model>: one paid job; the answer is the scripted node's.
    const whole = await client.chat.completions.create({
      model: `market/${MODEL}`,
      messages: [{ role: "user", content: SKY }],
      max_tokens: 64,
    });
    expect(whole.choices[0]?.message.content).toBe("The sky is blue today.");
    const extra = (whole as unknown as { pylon: { cost_sats: number; receipt: string } }).pylon;
    expect(extra.cost_sats).toBeGreaterThan(0);
    expect(JSON.parse(readFileSync(extra.receipt, "utf8"))).toMatchObject({ model: `market/${MODEL}` });
    const stream = await client.chat.completions.create({
      model: `market/${MODEL}`,
      // A conversation travels whole (role-marked inputs); the scripted node reads its turns in order.
      messages: [
        { role: "user", content: "What colour is the sky today?" },
        { role: "assistant", content: "Send me the text." },
        { role: "user", content: "Grass is green. The sky is blue today. Snow is white." },
      ],
      max_tokens: 64,
      stream: true,
    });
    expect(await streamed(stream)).toBe("The sky is blue today.");

    // rlm on an S-NIAH haystack: as pylon_context, then as the conversation (streamed).
    const task = generateSniah(3_000, 7);
    const rlm = await client.chat.completions.create({
      model: "rlm",
      messages: [{ role: "user", content: task.question }],
      pylon_context: task.context,
    } as OpenAI.Chat.ChatCompletionCreateParamsNonStreaming);
    expect(task.score(rlm.choices[0]?.message.content ?? "")).toBe(1);
    const rlmExtra = (rlm as unknown as { pylon: { log: string; cost_sats: number } }).pylon;
    expect(rlmExtra.cost_sats).toBeGreaterThan(0);
    expect(readFileSync(rlmExtra.log, "utf8")).toContain('"type":"run"');
    const conversation = await client.chat.completions.create({
      model: "rlm",
      messages: [
        { role: "user", content: task.context },
        { role: "assistant", content: "I have read the text." },
        { role: "user", content: task.question },
      ],
      stream: true,
    });
    expect(task.score(await streamed(conversation))).toBe(1);

    // Errors, in OpenAI's shape.
    const wrong = new OpenAI({ baseURL, apiKey: "pylon-not-the-token", maxRetries: 0 });
    const unauthorised = await failure(wrong.models.list());
    expect(unauthorised.status).toBe(401);
    expect(unauthorised.error).toMatchObject({ type: expect.any(String), message: expect.any(String) });
    const unknown = await failure(
      client.chat.completions.create({
        model: "market/no-such-model",
        messages: [{ role: "user", content: "hi" }],
      }),
    );
    expect(unknown.status).toBe(404);
    expect(String(unknown.error.message)).toContain(`market/${MODEL}`);

    // One receipt per answered request, and one log per rlm run, all 0600.
    const files = readdirSync(join(home, "serve"));
    const receipts = files.filter((file) => file.startsWith("chatcmpl-") && file.endsWith(".json"));
    const logs = files.filter((file) => file.endsWith(".jsonl"));
    expect(receipts).toHaveLength(4);
    expect(logs).toHaveLength(2);
    for (const file of [...receipts, ...logs])
      expect(statSync(join(home, "serve", file)).mode & 0o777).toBe(0o600);
    const charged = receipts
      .map(
        (file) =>
          (JSON.parse(readFileSync(join(home, "serve", file), "utf8")) as { costSats: number }).costSats,
      )
      .reduce((a, b) => a + b, 0);
    expect(cli.stderr()).toMatch(new RegExp(`chatcmpl-\\S+ market/${MODEL} 200 [\\d.]+ sats \\d+ ms`));
    expect(cli.stderr()).toMatch(/chatcmpl-\S+ rlm 200 [\d.]+ sats \d+ ms/);

    // SIGTERM: the tabs close, their balances come back; exit 0.
    cli.child.kill("SIGTERM");
    const exit = await cli.finished();
    expect(exit.code, exit.stderr).toBe(0);
    let providersEcash = 0;
    let chargedMsats = 0;
    for (const { node } of market.nodes) {
      await node.payments?.redeemNow();
      const totals = node.payments!.tabTotals();
      expect(totals.reservedMsats).toBe(0);
      // Every tab closed: a close refunds whole sats, so less than one stays with the provider.
      expect(totals.balanceMsats).toBeLessThan(1000);
      if (totals.depositedMsats > 0) expect(totals.refundedMsats).toBeGreaterThan(0);
      providersEcash += node.status().earnings!.walletSats;
      chargedMsats += totals.chargedMsats;
    }
    const buyer = await openBuyer(market, home);
    try {
      await buyer.checkPending();
      const balance = buyer.balance().total;
      const stats = market.mint.stats();
      const spent = FUNDED - balance.unspent - balance.reserved;
      // Every sat accounted for: what left the wallet is the providers' ecash plus mint fees, to the sat...
      expect(spent).toBe(providersEcash + stats.inputFees + stats.lightningFees + balance.pending);
      // ...the server's closing line says what the tabs charged, to the msat...
      const closing = /market closed: ([\d.]+) sats spent from the wallet, ([\d.]+) charged/.exec(
        exit.stderr,
      );
      expect(Math.round(Number(closing?.[2]) * 1000)).toBe(chargedMsats);
      expect(Number(closing?.[1])).toBe(spent);
      // ...and the receipts' costs (the swarm's per-job figures until a tab closes) are within a sat of it.
      expect(Math.abs(chargedMsats - charged * 1000)).toBeLessThan(1000);
    } finally {
      buyer.close();
    }
  }, 180_000);

  it("refuses with 402 when the day's budget cannot cover a request", async () => {
    const home = await harness.home("pylon-serve-budget-");
    const { cli, baseURL } = await serve(home, ["--budget-day-sats", "1"]);
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
    const first = await serve(home, []);
    const port = new URL(first.baseURL).port;
    const taken = await harness.run(
      ["serve", "--port", port, "--relay", market.relay.url, "--mint", market.mint.url, "--no-checks"],
      { env: { PYLON_HOME: await harness.home("pylon-serve-fail2-") } },
    );
    expect(taken.code).not.toBe(0);
    expect(taken.stderr).toContain(`port ${port}`);
    first.cli.child.kill("SIGTERM");
    expect((await first.cli.finished()).code).toBe(0);
    const unreachable = await harness.run(
      ["serve", "--port", "0", "--relay", "ws://127.0.0.1:1", "--no-checks"],
      {
        env: { PYLON_HOME: home },
      },
    );
    expect(unreachable.code).not.toBe(0);
    expect(unreachable.stderr).toContain("could not connect to any relay");
  }, 90_000);
});
