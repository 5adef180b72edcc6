/**
 * Acceptance of `pylon mcp`: the MCP SDK's own client starts `pylon mcp` over stdio (StdioClientTransport) on
 * a paid local market (real relay, testnet mint, paid SCRIPTED provider nodes) with the SCRIPTED root as the
 * declared stand-in, lists and calls rlm_query on an S-NIAH haystack file, is refused a path outside the
 * allowed folder, and the server stops by itself when the client closes, the tabs refunded.
 */
import { existsSync, readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import type { PassThrough } from "node:stream";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { getDefaultEnvironment, StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { generateSniah } from "@pylon/rlm/tasks";
import { tempDir, unusedPort, waitFor } from "@pylon/testkit";
import { MODEL } from "@pylon/testkit/market";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CliHarness } from "./run-cli.js";
import { fundBuyer, openBuyer, type PaidMarket, startPaidMarket } from "./run-market.js";

const CLI = fileURLToPath(new URL("../dist/main.js", import.meta.url));
const harness = new CliHarness();
let market: PaidMarket;
const FUNDED = 1_000;

beforeAll(async () => {
  market = await startPaidMarket(harness.cleanup, { nodes: 2, latencyMs: 20, slots: 4, inputFeePpk: 0 });
}, 60_000);
afterAll(() => harness.cleanup.run(), 60_000);

function textOf(result: unknown): string {
  return (result as CallToolResult).content.map((item) => (item.type === "text" ? item.text : "")).join("\n");
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("pylon mcp over stdio on a paid local market (SCRIPTED root and provider nodes)", () => {
  it("the MCP SDK's client lists and calls rlm_query, is refused outside --allow, and the server stops on close", async () => {
    const home = await harness.home("pylon-mcp-home-");
    await fundBuyer(market, home, FUNDED);
    const allowed = await tempDir(harness.cleanup, "pylon-mcp-allowed-");
    const task = generateSniah(4_000, 11);
    const haystack = path.join(allowed, "haystack.txt");
    await writeFile(haystack, task.context);

    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [
        CLI,
        ...["mcp", "--allow", allowed, "--relay", market.relay.url, "--mint", market.mint.url],
        ...["--root", "scripted", "--providers", "2", "--subcall-chars", "4000", "--no-checks"],
      ],
      env: { ...getDefaultEnvironment(), PYLON_HOME: home },
      stderr: "pipe",
    });
    let stderr = "";
    (transport.stderr as PassThrough).on("data", (chunk) => {
      stderr += chunk;
    });
    const client = new Client({ name: "pylon-mcp-acceptance", version: "0.0.0" });
    const protocolErrors: string[] = [];
    client.onerror = (error) => protocolErrors.push(error.message);
    await client.connect(transport);
    const pid = transport.pid!;
    harness.cleanup.add(() => (alive(pid) ? process.kill(pid, "SIGKILL") : undefined));

    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual(["market_models", "rlm_query"]);
    const listed = await client.callTool({ name: "market_models", arguments: {} });
    expect(textOf(listed)).toContain(`market/${MODEL}: 2 providers`);

    const answered = await client.callTool(
      { name: "rlm_query", arguments: { question: task.question, paths: [haystack] } },
      undefined,
      { timeout: 60_000 },
    );
    expect(answered.isError, `${textOf(answered)}\n${stderr}`).toBeFalsy();
    const receipt = answered.structuredContent as { answer: string; costSats: number; receiptFile: string };
    expect(task.score(receipt.answer)).toBe(1);
    expect(receipt.costSats).toBeGreaterThan(0);
    expect(receipt.receiptFile.startsWith(path.join(home, "serve"))).toBe(true);
    expect(JSON.parse(readFileSync(receipt.receiptFile, "utf8"))).toMatchObject({
      costSats: receipt.costSats,
    });
    expect(textOf(answered)).toContain(`receipt ${receipt.receiptFile}`);

    // The buyer's own wallet seed, outside the allowed folder: refused, nothing read, nothing spent.
    const seed = path.join(home, "wallet", "seed");
    expect(existsSync(seed)).toBe(true);
    const refused = await client.callTool({
      name: "rlm_query",
      arguments: { question: "What is it?", paths: [seed] },
    });
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toBe(`${seed} is outside the allowed folders (${allowed}); nothing was read`);
    expect(protocolErrors).toEqual([]);

    await client.close();
    await waitFor(() => !alive(pid) || undefined, "pylon mcp to exit", 15_000);
    // Closing stdin stops it. Closing the tabs takes a provider's round trip, so the SDK client's SIGTERM
    // (sent after 2 s) may arrive meanwhile: it does not cut the closing short.
    expect(stderr).toContain("pylon mcp: the client closed the connection: stopping");
    expect(stderr).toMatch(/pylon: market closed: [\d.]+ sats spent from the wallet/);
    expect(stderr).toMatch(/pylon mcp: stopped\s*$/);

    const buyer = await openBuyer(market, home);
    try {
      await buyer.checkPending();
      const spent = FUNDED - buyer.balance().total.unspent;
      // The tabs were closed: the wallet is back to what was funded less the charge (tabs refund whole sats).
      expect(spent).toBeGreaterThanOrEqual(Math.floor(receipt.costSats));
      expect(spent).toBeLessThanOrEqual(Math.ceil(receipt.costSats) + 2);
    } finally {
      buyer.close();
    }
  }, 120_000);

  it("refuses to start on unreachable relays, saying so on stderr and exiting non-zero", async () => {
    const relay = `ws://127.0.0.1:${await unusedPort()}`;
    const allowed = await tempDir(harness.cleanup, "pylon-mcp-allowed-");
    const run = await harness.run(["mcp", "--allow", allowed, "--relay", relay, "--root", "scripted"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      `pylon: the market on ${relay} could not be opened: could not connect to any relay`,
    );
    expect(run.stdout).toBe("");
  }, 60_000);

  it("takes its folders and budget from config mcp.allow and mcp.budgetSats, and stops when stdin ends", async () => {
    const home = await harness.home("pylon-mcp-home-");
    const allowed = await tempDir(harness.cleanup, "pylon-mcp-allowed-");
    for (const [key, value] of [
      ["mcp.allow", allowed],
      ["mcp.budgetSats", "7"],
    ] as const) {
      const set = await harness.run(["config", "set", key, value], { env: { PYLON_HOME: home } });
      expect(set.code, set.stderr).toBe(0);
    }
    const run = await harness.run(["mcp", "--relay", market.relay.url, "--providers", "0"], {
      env: { PYLON_HOME: home },
      stdin: "",
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(`rlm_query (at most 7 sats a call; reads ${allowed})`);
    expect(run.stderr).toMatch(/pylon mcp: stopped\s*$/);
    expect(run.stdout).toBe("");
  }, 60_000);

  it("refuses an --allow folder that does not exist", async () => {
    const missing = path.join(await tempDir(harness.cleanup, "pylon-mcp-"), "nope");
    const run = await harness.run(["mcp", "--allow", missing, "--relay", market.relay.url]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`pylon: --allow ${missing}: no such folder`);
  });
});
