/**
 * serveMcpOverStdio in its own process, driven by the SDK's StdioClientTransport: stdout carries only the
 * protocol (the client would fail on anything else), logs go to stderr, and the process stops by itself when
 * the client closes its end (the SDK client sends SIGTERM only after waiting 2 s). SCRIPTED RLM service.
 */
import { writeFile } from "node:fs/promises";
import path from "node:path";
import type { PassThrough } from "node:stream";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { generateSniah } from "@pylon/rlm/tasks";
import { Cleanup, tempDir, waitFor } from "@pylon/testkit";
import { afterAll, expect, it } from "vitest";
import { textOf } from "./mcp-harness.js";

const cleanup = new Cleanup();
afterAll(() => cleanup.run());
const SERVER = fileURLToPath(new URL("./stdio-server.ts", import.meta.url));

it("serves over stdio, logs to stderr only, and stops when the client closes (SCRIPTED RLM service)", async () => {
  const root = await tempDir(cleanup, "pylon-mcp-stdio-");
  const task = generateSniah(2_000, 5);
  await writeFile(path.join(root, "haystack.txt"), task.context);
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: ["--import", "tsx", SERVER, root, await tempDir(cleanup, "pylon-mcp-receipts-")],
    stderr: "pipe",
  });
  let stderr = "";
  (transport.stderr as PassThrough).on("data", (chunk) => {
    stderr += chunk;
  });
  const client = new Client({ name: "pylon-mcp-stdio-test", version: "0.0.0" });
  const protocolErrors: string[] = []; // e.g. a line on stdout that is not JSON-RPC
  client.onerror = (error) => protocolErrors.push(error.message);
  await client.connect(transport);
  const pid = transport.pid!;
  cleanup.add(() => (alive(pid) ? process.kill(pid, "SIGKILL") : undefined));

  const { tools } = await client.listTools();
  expect(tools.map((tool) => tool.name).sort()).toEqual(["market_models", "rlm_query"]);
  const result = await client.callTool({
    name: "rlm_query",
    arguments: { question: task.question, paths: [path.join(root, "haystack.txt")] },
  });
  expect(result.isError, textOf(result)).toBeFalsy();
  expect(task.score(String((result.structuredContent as { answer: string }).answer))).toBe(1);
  expect(stderr).toMatch(/rlm_query: rlm, [\d.]+ sats/);
  expect(protocolErrors).toEqual([]);

  const started = Date.now();
  await client.close();
  await waitFor(() => !alive(pid) || undefined, "the server process to exit", 5_000);
  expect(Date.now() - started).toBeLessThan(2_000);
  expect(stderr).toContain("stdio server: client gone, stopped");
}, 60_000);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
