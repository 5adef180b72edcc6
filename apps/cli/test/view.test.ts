/**
 * `pylon view` as a real process: on a data dir holding a real market run (`pylon run --root scripted --sub
 * swarm` against a real relay and a real provider node serving a SCRIPTED backend), it prints a URL that
 * answers, names run pages by run id and by log file, shows the market the relay announces, and a node's
 * activity from its data dir; it exits 0 on SIGTERM and non-zero for a run it cannot find.
 */
import { copyFileSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import type { RunningProvider } from "@pylon/provider";
import type { RunningRelay } from "@pylon/relay";
import { keywordSub } from "@pylon/rlm/scripted";
import { generateSniah } from "@pylon/rlm/tasks";
import { scriptedNode, startTestRelay } from "@pylon/testkit/market";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CliHarness } from "./run-cli.js";

const harness = new CliHarness();
let relay: RunningRelay;
let node: RunningProvider;
let nodeDir: string;
let home: string;
let receipt: { run: string; subcalls: number; answer: string; logPath: string };

beforeAll(async () => {
  relay = await startTestRelay(harness.cleanup);
  nodeDir = await harness.home("pylon-view-node-");
  node = (
    await scriptedNode(harness.cleanup, {
      relays: [relay.url],
      responses: keywordSub,
      slots: 2,
      name: "SCRIPTED view node",
      config: { dataDir: nodeDir },
    })
  ).node;
  home = await harness.home("pylon-view-home-");
  const task = generateSniah(12_000, 3);
  const context = join(home, "haystack.txt");
  writeFileSync(context, task.context);
  const run = await harness.run(
    [
      "run",
      task.question,
      "--context",
      context,
      "--root",
      "scripted",
      "--sub",
      "swarm",
      "--relay",
      relay.url,
      "--providers",
      "1",
      "--subcall-chars",
      "4000",
      "--json",
      "--no-checks",
    ],
    { env: { PYLON_HOME: home } },
  );
  expect(run.code, run.stderr).toBe(0);
  receipt = JSON.parse(run.stdout);
}, 90_000);
afterAll(() => harness.cleanup.run());

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function get(url: string, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers, timeout: 10_000 }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        body += chunk;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("timeout", () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on("error", reject);
    req.end();
  });
}

/** Starts `pylon view …` and reads the URL it prints. */
async function view(args: string[]) {
  const cli = await harness.start(["view", "--no-open", ...args], {
    env: { PYLON_HOME: home, PYLON_RELAYS: "" },
  });
  const [url] = await cli.waitFor(/^http:\/\/\S+$/m, 20_000);
  const parsed = new URL(url);
  const token = parsed.searchParams.get("token")!;
  const api = async <T>(path: string): Promise<T> => {
    const reply = await get(`${parsed.origin}${path}`, { Authorization: `Bearer ${token}` });
    expect(reply.status, `${path}: ${reply.body}`).toBe(200);
    return JSON.parse(reply.body) as T;
  };
  return { cli, url: parsed, token, api };
}

describe("pylon view", () => {
  it("prints a loopback URL whose token opens the pages and the API, and stops with exit 0 on SIGTERM", async () => {
    const { cli, url, api } = await view(["--relay", relay.url]);
    expect(url.hostname).toBe("127.0.0.1");
    expect((await get(`${url.origin}/api/runs`)).status).toBe(401);
    const first = await get(url.href);
    expect(first.status).toBe(303);
    const cookie = String(first.headers["set-cookie"]).split(";")[0]!;
    const page = await get(`${url.origin}/`, { Cookie: cookie });
    expect(page.status).toBe(200);
    expect(page.headers["content-type"]).toContain("text/html");

    const runs =
      await api<Array<{ id: string; subcalls: number; answer: string; status: string }>>("/api/runs");
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({
      id: receipt.run,
      subcalls: receipt.subcalls,
      answer: receipt.answer,
      status: "final",
    });
    // The market first: names come from its directory, which has read the relay once it answers.
    const market = await api<{
      relays: Array<{ url: string; connected: boolean }>;
      providers: Array<Record<string, unknown>>;
    }>("/api/market");
    expect(market.relays).toEqual([{ url: expect.stringContaining("127.0.0.1"), connected: true }]);
    expect(market.providers).toHaveLength(1);
    expect(market.providers[0]).toMatchObject({
      pubkey: node.pubkey,
      name: "SCRIPTED view node",
      models: [{ name: "scripted-sub" }],
      capacity: { slots: 2 },
      live: true,
      trust: 0.5,
    });
    const detail = await api<{ providers: Array<{ provider: string; name?: string; jobs: number }> }>(
      `/api/runs/${receipt.run}`,
    );
    expect(detail.providers.map((p) => p.provider)).toEqual([node.pubkey]);
    expect(detail.providers[0]!.name).toBe("SCRIPTED view node");

    expect(await api<{ market: boolean; node: boolean }>("/api/info")).toEqual({ market: true, node: false });

    cli.child.kill("SIGTERM");
    expect((await cli.exited).code).toBe(0);
  }, 40_000);

  it("opens a run's page by run id or by log file, and fails for a run it cannot find", async () => {
    const byId = await view([receipt.run]);
    expect(byId.url.pathname).toBe(`/runs/${receipt.run}`);
    byId.cli.child.kill("SIGTERM");
    await byId.cli.exited;

    const elsewhere = join(await harness.home("pylon-view-file-"), "copied-run.jsonl");
    copyFileSync(receipt.logPath, elsewhere);
    const byFile = await view([elsewhere]);
    expect(byFile.url.pathname).toBe("/runs/copied-run");
    const detail = await byFile.api<{ summary: { answer: string } }>("/api/runs/copied-run");
    expect(detail.summary.answer).toBe(receipt.answer);
    byFile.cli.child.kill("SIGTERM");
    await byFile.cli.exited;

    const missing = await harness.run(["view", "--no-open", "no-such-run"], {
      env: { PYLON_HOME: home, PYLON_RELAYS: "" },
    });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no run "no-such-run"');
  }, 40_000);

  it("shows a node's jobs, throughput and identity from its data dir (--node)", async () => {
    const { cli, api } = await view(["--node", nodeDir]);
    const shown = await api<{
      pubkey: string;
      jobs: { done: number; running: number; failed: number };
      tokensPerSecond: Array<{ at: number; value: number }>;
      earnings: { sats: number; jobs: number };
    }>("/api/node");
    expect(shown.pubkey).toBe(node.pubkey);
    // Every sub-call of the run was one job on this node (checks off), answered.
    expect(shown.jobs.done).toBe(receipt.subcalls);
    expect(shown.jobs.running + shown.jobs.failed).toBe(0);
    expect(shown.tokensPerSecond.some((s) => s.value > 0)).toBe(true);
    expect(shown.earnings.sats).toBe(0); // a free node
    expect(await api<{ market: boolean; node: boolean }>("/api/info")).toEqual({ market: false, node: true });
    cli.child.kill("SIGTERM");
    expect((await cli.exited).code).toBe(0);

    const wrong = await harness.run(["view", "--no-open", "--node", home], {
      env: { PYLON_HOME: home, PYLON_RELAYS: "" },
    });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain("holds no node's job database");
  }, 40_000);

  it("says so when no browser can be opened, and keeps serving", async () => {
    // No xdg-open/open on this PATH: the viewer says it could not open one and goes on.
    const cli = await harness.start(["view"], {
      env: { PYLON_HOME: home, PYLON_RELAYS: "", PATH: "/nonexistent" },
    });
    const [url] = await cli.waitFor(/^http:\/\/\S+$/m, 20_000);
    await cli.waitForStderr(/could not open a browser/);
    expect((await get(url)).status).toBe(303);
    cli.child.kill("SIGINT");
    expect((await cli.exited).code).toBe(0);
  }, 30_000);
});
