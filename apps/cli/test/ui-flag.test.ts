/**
 * `pylon run --ui`: the viewer on the run in progress, as a real process with SCRIPTED root and sub models.
 * Its URL (loopback, with a token) is on stderr before the run ends; the run's page answers there and
 * after; the viewer stays up until Ctrl-C, and the exit code is still the run's.
 */
import { writeFileSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { generateSniah } from "@pylon/rlm/tasks";
import { startTestRelay } from "@pylon/testkit/market";
import { afterAll, describe, expect, it } from "vitest";
import { CliHarness } from "./run-cli.js";

const harness = new CliHarness();
afterAll(() => harness.cleanup.run());

function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers, timeout: 10_000 }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        body += chunk;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("timeout", () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on("error", reject);
    req.end();
  });
}

describe("pylon run --ui", () => {
  it("prints the viewer URL as the run starts, serves the run there, stays up after the receipt, exits on SIGINT", async () => {
    const home = await harness.home("pylon-ui-");
    const task = generateSniah(8_000, 5);
    const context = join(home, "haystack.txt");
    writeFileSync(context, task.context);
    const cli = await harness.start(
      [
        "run",
        task.question,
        "--context",
        context,
        "--root",
        "scripted",
        "--sub",
        "scripted",
        "--subcall-chars",
        "1000",
        "--json",
        "--ui",
        "--no-open",
      ],
      { env: { PYLON_HOME: home, PYLON_RELAYS: "" } },
    );
    const [, href] = await cli.waitForStderr(/pylon run: viewer at (\S+)/, 30_000);
    const url = new URL(href!);
    expect(url.hostname).toBe("127.0.0.1");
    const token = url.searchParams.get("token")!;
    const id = decodeURIComponent(url.pathname.replace(/^\/runs\//, ""));
    expect((await get(`${url.origin}/api/runs/${id}`)).status).toBe(401);

    await cli.waitForStderr(/the viewer stays open at/, 60_000);
    const receipt = JSON.parse(cli.stdout()) as { run: string; answer: string; subcalls: number };
    expect(id).toBe(receipt.run);
    expect(receipt.answer).toEqual(expect.any(String));
    const detail = await get(`${url.origin}/api/runs/${id}`, { Authorization: `Bearer ${token}` });
    expect(detail.status, detail.body).toBe(200);
    const run = JSON.parse(detail.body) as { summary: { answer: string; status: string; subcalls: number } };
    expect(run.summary).toMatchObject({ answer: receipt.answer, status: "final" });
    expect(run.summary.subcalls).toBeGreaterThan(0);

    cli.child.kill("SIGINT");
    expect((await cli.exited).code).toBe(0);
  }, 90_000);
});

describe("pylon demo --ui", () => {
  it("serves the demo's run from before its first sub-call to after its report, until SIGINT", async () => {
    const home = await harness.home("pylon-ui-demo-");
    const cli = await harness.start(["demo", "--json", "--seed", "7", "--ui", "--no-open"], {
      env: { PYLON_HOME: home },
    });
    const [, href] = await cli.waitForStderr(/pylon demo: viewer at (\S+)/, 30_000);
    expect(cli.stderr()).not.toMatch(/iteration 1:/); // the URL comes before the run
    const url = new URL(href!);
    const token = url.searchParams.get("token")!;
    await cli.waitForStderr(/the viewer stays open at/, 120_000);
    const report = JSON.parse(cli.stdout()) as {
      ok: boolean;
      answer: string;
      logPath: string;
      subcalls: { total: number };
    };
    expect(report.ok).toBe(true);
    expect(url.pathname).toBe(
      `/runs/${report.logPath
        .split("/")
        .at(-1)!
        .replace(/\.jsonl$/, "")}`,
    );
    const reply = await get(`${url.origin}${url.pathname.replace("/runs/", "/api/runs/")}`, {
      Authorization: `Bearer ${token}`,
    });
    expect(reply.status, reply.body).toBe(200);
    const run = JSON.parse(reply.body) as { summary: { answer: string; subcalls: number; status: string } };
    expect(run.summary).toMatchObject({
      answer: report.answer,
      subcalls: report.subcalls.total,
      status: "final",
    });
    cli.child.kill("SIGINT");
    expect((await cli.exited).code).toBe(0);
  }, 150_000);
});

describe("pylon node --ui", () => {
  it("serves the node page for the node it starts (SCRIPTED model), and both stop on SIGTERM", async () => {
    const home = await harness.home("pylon-ui-node-");
    const { url: relay } = await startTestRelay(harness.cleanup);
    const config = join(home, "node.json");
    writeFileSync(config, JSON.stringify({ model: { type: "scripted", reply: "hi" } }));
    const cli = await harness.start(
      ["node", "--config", config, "--relay", relay, "--free", "--data-dir", join(home, "node-data")].concat([
        "--status-every",
        "0",
        "--ui",
        "--no-open",
      ]),
      { env: { PYLON_HOME: home } },
    );
    await cli.waitFor(/^pylon node npub1[0-9a-z]+ serving/m, 30_000);
    const [, href] = await cli.waitForStderr(/pylon node: viewer at (\S+)/, 30_000);
    const url = new URL(href!);
    expect(url.hostname).toBe("127.0.0.1");
    expect(url.pathname).toBe("/node");
    const token = url.searchParams.get("token")!;
    expect((await get(`${url.origin}/api/node`)).status).toBe(401);
    const reply = await get(`${url.origin}/api/node`, { Authorization: `Bearer ${token}` });
    expect(reply.status, reply.body).toBe(200);
    const snapshot = JSON.parse(reply.body) as { pubkey: string; jobs: { done: number } };
    expect(snapshot.pubkey).toMatch(/^[0-9a-f]{64}$/);
    expect(snapshot.jobs.done).toBe(0);
    cli.child.kill("SIGTERM");
    expect((await cli.exited).code).toBe(0);
  }, 60_000);
});
